package io.cbns.core.optim;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.cbns.core.model.RowSparseLookup;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A parameter store for one training step that gives embedding tables row-sparse gradients, as
 * PyTorch's {@code nn.Embedding(sparse=True)} does: a tower calls {@link #lookupRows} instead of
 * running the embedding op on the whole table, and the gradient then has one row per distinct id
 * looked up, not the table's {@code [N, d]}. The trainer hands those rows to a {@link
 * CheckpointableOptimizer#updateRows row-sparse optimizer}, so a step costs {@code O(rows looked up
 * x d)} instead of several passes over every table (allocating, accumulating, scanning and zeroing
 * an {@code [N, d]} gradient).
 *
 * <p>How: the distinct ids of a lookup are gathered from the table without gradient into a new leaf
 * {@code [u, d]} that requires gradient, and the result is the embedding of the inverse indices in
 * that leaf, so autograd sums the gradients of repeated ids into the leaf's rows. A table looked up
 * several times in a step (batch items, then bank items) gets one leaf per lookup; {@link
 * #gradients} adds them up per distinct id.
 *
 * <p>In a data-parallel step each extra replica reads its own copies of the parameters through a
 * {@link #replica} store, whose lookups are recorded here too: {@link #gradients} then sums the
 * rows of every replica, on this store's device.
 *
 * <p>A table read through {@link #lookupRows} must be read only that way during the step (its dense
 * gradient stays empty). Arrays live in the step's manager. Not thread-safe.
 */
public final class RowGradientStore extends ParameterStore implements RowSparseLookup {
  private final NDManager manager;
  // the array read for a parameter: null for the parameter's own (the primary store)
  private final Function<Parameter, NDArray> values;
  // shared by the primary store and its replicas
  private final Map<Parameter, List<NDArray[]>> lookups;

  /**
   * @param manager the step's manager (its device is the training device)
   */
  public RowGradientStore(NDManager manager) {
    this(manager, null, new IdentityHashMap<>());
  }

  private RowGradientStore(
      NDManager manager,
      Function<Parameter, NDArray> values,
      Map<Parameter, List<NDArray[]>> lookups) {
    super(manager, false);
    this.manager = requireNonNull(manager, "manager is null");
    this.values = values;
    this.lookups = lookups;
  }

  /**
   * A store for one more replica of a data-parallel step: it reads {@code values} (the replica's
   * copy of each parameter) instead of the parameters, and its row lookups count in this store's
   * {@link #gradients}.
   *
   * @param replicaManager the replica's step manager (on the replica's device)
   * @param values the replica's copy of a parameter
   */
  public RowGradientStore replica(NDManager replicaManager, Function<Parameter, NDArray> values) {
    if (this.values != null) {
      throw new IllegalStateException("a replica store makes no replicas of its own");
    }
    return new RowGradientStore(replicaManager, requireNonNull(values, "values is null"), lookups);
  }

  /** The replica's copy for a replica store; the parameter's own value otherwise. */
  @Override
  public NDArray getValue(Parameter parameter, Device device, boolean training) {
    return values == null ? super.getValue(parameter, device, training) : values.apply(parameter);
  }

  /**
   * The rows of {@code table} for {@code ids}, with a row-sparse gradient.
   *
   * @param table a {@code [N, d]} parameter
   * @param ids integer ids of any shape {@code S}, each in {@code [0, N)}
   * @return {@code float32 [S..., d]} in the step's manager
   */
  @Override
  public NDArray lookupRows(Parameter table, NDArray ids) {
    NDArray flat = ids.toType(ai.djl.ndarray.types.DataType.INT64, false).reshape(-1);
    flat.attach(manager);
    NDList unique = flat.unique(null, true, true, false);
    unique.attach(manager);
    NDArray distinct = unique.get(0);
    NDArray inverse = unique.get(1).reshape(ids.getShape());
    // the gather is not recorded: the leaf starts a graph of its own
    NDArray leaf = Rows.gather(values == null ? table.getArray() : values.apply(table), distinct);
    leaf.setRequiresGradient(true);
    lookups.computeIfAbsent(table, k -> new ArrayList<>()).add(new NDArray[] {distinct, leaf});
    return inverse.getNDArrayInternal().embedding(inverse, leaf, SparseFormat.DENSE).get(0);
  }

  /** Whether {@code table} was looked up through {@link #lookupRows} in this step. */
  public boolean isRowSparse(Parameter table) {
    return lookups.containsKey(table);
  }

  /**
   * After the backward pass: the distinct ids looked up in {@code table} and the gradient of each,
   * summed over all lookups of the step.
   *
   * @return {@code {ids int64 [u], gradients float32 [u, d]}} in the step's manager
   */
  public NDArray[] gradients(Parameter table) {
    List<NDArray[]> parts = lookups.get(table);
    if (parts == null) {
      throw new IllegalArgumentException(table.getName() + " was not looked up by rows");
    }
    if (parts.size() == 1) {
      NDArray[] only = parts.get(0);
      return new NDArray[] {onDevice(only[0]), gradientOf(only[1])};
    }
    if (!manager.getDevice().isGpu()) {
      return mergedOnHost(parts);
    }
    NDList ids = new NDList();
    NDList grads = new NDList();
    for (NDArray[] part : parts) {
      ids.add(onDevice(part[0]));
      grads.add(gradientOf(part[1]));
    }
    NDArray allIds = NDArrays.concat(ids);
    NDArray allGrads = NDArrays.concat(grads);
    NDList unique = allIds.unique(null, true, true, false);
    unique.attach(manager);
    NDArray distinct = unique.get(0);
    NDArray inverse = unique.get(1);
    // the sum of the rows of each distinct id, by the embedding op's backward (an index-add)
    NDArray sums = manager.zeros(new Shape(distinct.size(), allGrads.getShape().get(1)));
    sums.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray spread =
          inverse.getNDArrayInternal().embedding(inverse, sums, SparseFormat.DENSE).get(0);
      gc.backward(spread.mul(allGrads).sum());
    }
    return new NDArray[] {distinct, gradientOf(sums)};
  }

  /**
   * The lookups' gradients summed per distinct id on a CPU, where the ids are a cheap copy away:
   * each lookup's distinct ids are sorted (as {@code unique} returns them), so their union and
   * where each lookup's rows go in it are a merge on the host, and the rows are added into zeros
   * one lookup after the other. The same floats as the engine path ({@code 0 + g1 + g2 ...}, in
   * lookup order), without its autograd pass over the concatenated rows (about 1.4 ms of a
   * cross-batch step with an {@code ids} bank of 3,072 at B = 1024).
   */
  private NDArray[] mergedOnHost(List<NDArray[]> parts) {
    long[][] partIds = new long[parts.size()][];
    long[] union = new long[0];
    for (int p = 0; p < parts.size(); p++) {
      partIds[p] = onDevice(parts.get(p)[0]).toLongArray();
      union = union(union, partIds[p]);
    }
    NDArray first = gradientOf(parts.get(0)[1]);
    NDArray sums =
        manager.zeros(new Shape(union.length, first.getShape().get(1)), first.getDataType());
    for (int p = 0; p < parts.size(); p++) {
      NDArray rows = p == 0 ? first : gradientOf(parts.get(p)[1]);
      NDIndex at = new NDIndex("{}", manager.create(positions(union, partIds[p])));
      sums.set(at, sums.get(at).add(rows));
    }
    return new NDArray[] {manager.create(union), sums};
  }

  /** The sorted union of two sorted arrays of distinct values. */
  private static long[] union(long[] a, long[] b) {
    long[] out = new long[a.length + b.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < a.length || j < b.length) {
      if (j == b.length || (i < a.length && a[i] < b[j])) {
        out[n++] = a[i++];
      } else if (i == a.length || b[j] < a[i]) {
        out[n++] = b[j++];
      } else {
        out[n++] = a[i++];
        j++;
      }
    }
    return java.util.Arrays.copyOf(out, n);
  }

  /** Where each of {@code ids} (sorted, all in {@code union}) is in {@code union}. */
  private static long[] positions(long[] union, long[] ids) {
    long[] out = new long[ids.length];
    int u = 0;
    for (int k = 0; k < ids.length; k++) {
      while (union[u] != ids[k]) {
        u++;
      }
      out[k] = u;
    }
    return out;
  }

  private NDArray gradientOf(NDArray leaf) {
    NDArray g = onDevice(leaf.getGradient());
    g.attach(manager);
    return g;
  }

  /** {@code a} on this store's device (a replica's lookups are on the replica's). */
  private NDArray onDevice(NDArray a) {
    if (a.getDevice().equals(manager.getDevice())) {
      return a;
    }
    NDArray moved = a.toDevice(manager.getDevice(), false);
    moved.attach(manager);
    return moved;
  }
}
