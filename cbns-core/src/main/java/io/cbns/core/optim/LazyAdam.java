package io.cbns.core.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import io.cbns.core.checkpoint.StateIo;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adam with lazy (row-sparse) updates of matrices: only the rows of a 2-d parameter whose gradient
 * is non-zero in this step are updated, together with their first and second moments, as
 * TensorFlow's LazyAdam and PyTorch's SparseAdam do. An id-embedding table of N rows touched by B
 * ids per step then costs O(B d) per step instead of O(N d), and rows not seen keep their moments
 * instead of decaying them. Parameters of other ranks (biases) get the plain Adam update.
 *
 * <p>When every row is touched every step the result equals Adam's (a test checks it against DJL's
 * Adam). Bias correction counts the updates of each parameter, as Adam does.
 *
 * <p>{@link Builder#optDense(boolean) Dense} mode updates every row every step: that is Adam, which
 * the runner's {@code adam} optimizer uses (so that its state, too, can be checkpointed).
 *
 * <p>After the update the parameter's gradient is zeroed (the engine accumulates gradients).
 * Intermediate arrays are closed in an {@link NDScope}; the moment arrays live in the parameter's
 * manager. Not thread-safe.
 */
public final class LazyAdam extends CheckpointableOptimizer {
  private final float beta1;
  private final float beta2;
  private final float epsilon;
  private final boolean dense;
  private final Map<String, NDArray> means = new TreeMap<>();
  private final Map<String, NDArray> variances = new TreeMap<>();
  private final Map<String, Constants> constants = new TreeMap<>();
  private final Map<String, StateIo.HostArray> pendingMeans = new TreeMap<>();
  private final Map<String, StateIo.HostArray> pendingVariances = new TreeMap<>();

  private LazyAdam(Builder b) {
    super(b, b.learningRate);
    this.beta1 = b.beta1;
    this.beta2 = b.beta2;
    this.epsilon = b.epsilon;
    this.dense = b.dense;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    Step st = begin(parameterId, weight);
    try (NDScope scope = new NDScope()) {
      if (!dense && weight.getShape().dimension() == 2) {
        // the rows this step touched: max |g| > 0 (measured 2x faster than counting non-zeros)
        NDArray touched = grad.abs().max(new int[] {1}).gt(0).nonzero().reshape(-1);
        if (touched.size() > 0) {
          updateRows(touched, weight, Rows.gather(grad, touched), st);
          // only the touched rows hold a gradient: zero them instead of the whole table
          zeroGradient(weight, new NDIndex("{}", touched));
        }
      } else {
        NDArray g = prepare(grad, weight);
        st.mean().muli(beta1).addi(g.mul(1 - beta1));
        st.variance().muli(beta2).addi(g.square().muli(1 - beta2));
        // step()'s arithmetic, partly in place: the same floats with fewer temporaries,
        // which matters when every row of a large table is updated each step
        NDArray denominator = st.variance().div(st.correction2()).sqrt().addi(epsilon);
        weight.subi(st.mean().div(st.correction1()).muli(st.lr()).divi(denominator));
        zeroGradient(weight, null);
      }
    }
  }

  /** Lazy (the default) wants row-sparse gradients; dense mode updates every row. */
  @Override
  public boolean rowSparse() {
    return !dense;
  }

  /**
   * Updates the given rows from their gradients alone (row-sparse gradients): Adam on those rows
   * and their moments, as the lazy path does for the rows it finds touched.
   */
  @Override
  public void updateRows(String parameterId, NDArray weight, NDArray rowIds, NDArray rowGradients) {
    Step st = begin(parameterId, weight);
    if (rowIds.size() == 0) {
      return;
    }
    try (NDScope scope = new NDScope()) {
      updateRows(rowIds, weight, rowGradients, st);
    }
  }

  /**
   * One update's bookkeeping: the parameter's update count advanced, its rate and bias corrections
   * at that count, and its moments (created on first use).
   */
  private record Step(
      float lr,
      float correction1,
      float correction2,
      NDArray mean,
      NDArray variance,
      Constants constants) {}

  /**
   * The update's constant factors as arrays on the parameter's device, made once: an operation with
   * a Java number makes a new engine scalar each time (a few microseconds, 8 of them per row
   * update); the same float values, so the same results.
   */
  private record Constants(
      NDArray beta1,
      NDArray oneMinusBeta1,
      NDArray beta2,
      NDArray oneMinusBeta2,
      NDArray epsilon) {}

  private Step begin(String parameterId, NDArray weight) {
    int t = nextCount(parameterId);
    return new Step(
        learningRate(parameterId, t),
        (float) (1 - Math.pow(beta1, t)),
        (float) (1 - Math.pow(beta2, t)),
        means.computeIfAbsent(parameterId, k -> moment(pendingMeans, k, weight)),
        variances.computeIfAbsent(parameterId, k -> moment(pendingVariances, k, weight)),
        constants.computeIfAbsent(
            parameterId,
            k -> {
              NDManager m = weight.getManager();
              Constants c =
                  new Constants(
                      m.create(beta1),
                      m.create(1 - beta1),
                      m.create(beta2),
                      m.create(1 - beta2),
                      m.create(epsilon));
              // kept for the optimizer's life, whatever scope is open when they are made
              NDScope.unregister(
                  c.beta1(), c.oneMinusBeta1(), c.beta2(), c.oneMinusBeta2(), c.epsilon());
              return c;
            }));
  }

  private void updateRows(NDArray rowIds, NDArray weight, NDArray rowGradients, Step st) {
    NDIndex index = new NDIndex("{}", rowIds);
    NDArray w = Rows.gather(weight, rowIds);
    NDArray g = prepare(rowGradients, w);
    Constants k = st.constants();
    // in place on the gathered copies where the operand is not needed again: Adam's arithmetic,
    // operation for operation (so the same floats), with fewer [rows, d] arrays allocated; on a
    // CPU each operation on ~1000 x 64 rows costs tens of microseconds, allocation included
    NDArray m = Rows.gather(st.mean(), rowIds).muli(k.beta1()).addi(g.mul(k.oneMinusBeta1()));
    NDArray v =
        Rows.gather(st.variance(), rowIds).muli(k.beta2()).addi(g.square().muli(k.oneMinusBeta2()));
    st.mean().set(index, m);
    st.variance().set(index, v);
    NDArray denominator = v.div(st.correction2()).sqrt().addi(k.epsilon());
    NDArray step = m.div(st.correction1()).muli(st.lr()).divi(denominator);
    weight.set(index, w.subi(step));
  }

  @Override
  protected void saveMoments(DataOutputStream out) throws IOException {
    out.writeInt(means.size());
    for (Map.Entry<String, NDArray> e : means.entrySet()) {
      out.writeUTF(e.getKey());
      StateIo.writeArray(out, e.getValue());
      StateIo.writeArray(out, variances.get(e.getKey()));
    }
  }

  /**
   * Reads moments. Moments are created on first use in the manager and on the device of their
   * parameter, so the stored ones are kept on the host until then.
   */
  @Override
  protected void loadMoments(DataInputStream in) throws IOException {
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      String id = in.readUTF();
      pendingMeans.put(id, StateIo.readHost(in, id + " (Adam mean)"));
      pendingVariances.put(id, StateIo.readHost(in, id + " (Adam variance)"));
    }
    means.values().forEach(NDArray::close);
    variances.values().forEach(NDArray::close);
    means.clear();
    variances.clear();
  }

  /** A restored moment of {@code weight}'s shape on its device, or zeros. */
  private static NDArray moment(Map<String, StateIo.HostArray> pending, String id, NDArray weight) {
    StateIo.HostArray stored = pending.remove(id);
    if (stored == null) {
      return weight.zerosLike();
    }
    try {
      stored.checkMatches(weight);
    } catch (IOException e) {
      throw new io.cbns.core.CbnsException(e.getMessage(), e);
    }
    NDArray restored = stored.toArray(weight.getManager());
    return restored.toDevice(weight.getDevice(), false);
  }

  /** The device of this optimizer's state for {@code parameterId}, if any (for tests). */
  Device stateDevice(String parameterId) {
    NDArray m = means.get(parameterId);
    return m == null ? null : m.getDevice();
  }

  /** Builder: learning rate and betas as Adam's. */
  public static final class Builder extends OptimizerBuilder<Builder> {
    private ParameterTracker learningRate = Tracker.fixed(0.001f);
    private float beta1 = 0.9f;
    private float beta2 = 0.999f;
    private float epsilon = 1e-8f;
    private boolean dense;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    public Builder optLearningRateTracker(ParameterTracker tracker) {
      this.learningRate = tracker;
      return this;
    }

    public Builder optBeta1(float beta1) {
      this.beta1 = beta1;
      return this;
    }

    public Builder optBeta2(float beta2) {
      this.beta2 = beta2;
      return this;
    }

    public Builder optEpsilon(float epsilon) {
      this.epsilon = epsilon;
      return this;
    }

    /** Whether every row is updated every step (plain Adam) instead of the touched rows only. */
    public Builder optDense(boolean dense) {
      this.dense = dense;
      return this;
    }

    public LazyAdam build() {
      if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0)) {
        throw new IllegalArgumentException("need 0 <= beta1, beta2 < 1 and epsilon > 0");
      }
      return new LazyAdam(this);
    }
  }
}
