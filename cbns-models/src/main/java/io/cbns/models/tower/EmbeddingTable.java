package io.cbns.models.tower;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.cbns.core.model.RowSparseLookup;
import io.cbns.models.onnx.TowerGraph;

/**
 * An id embedding table {@code [rows, dim]}, one parameter of its owning block.
 *
 * <p>Lookups use the engine's embedding op: on PyTorch it is {@code torch.embedding}, whose
 * backward scatters gradient into the looked-up rows only, and which measured about twice as fast
 * (forward and backward of 51,200 lookups in a 40,981 x 64 table) as advanced indexing through
 * {@code NDArray.get(NDIndex)}. It also attaches the result to the manager of the ids (the caller's
 * step manager), not to the table's. In training with a {@link RowSparseLookup} (the trainer's
 * default with lazy Adam or SGD) the gradient is row-sparse: only the rows looked up get one.
 */
final class EmbeddingTable {
  private final Parameter weight;
  private final int rows;
  private final int dim;

  private EmbeddingTable(Parameter weight, int rows, int dim) {
    this.weight = weight;
    this.rows = rows;
    this.dim = dim;
  }

  /** Adds a table initialised from {@code N(0, std^2)} to {@code owner}. */
  static EmbeddingTable create(
      TwoTowerBlock owner, String name, int rows, int dim, long seed, double std) {
    requireNonNull(owner, "owner is null");
    float[] values = SeededInit.normal(seed, name, Math.multiplyExact(rows, dim), std);
    return new EmbeddingTable(owner.addWeight(name, new Shape(rows, dim), values), rows, dim);
  }

  int rows() {
    return rows;
  }

  int dim() {
    return dim;
  }

  Parameter parameter() {
    return weight;
  }

  /**
   * The rows of {@code ids}.
   *
   * @param ids integer ids of any shape {@code S}, each in {@code [0, rows)}
   * @return {@code float32 [S..., dim]} on the manager of {@code ids}
   */
  NDArray lookup(ParameterStore ps, NDArray ids, boolean training) {
    if (training && ps instanceof RowSparseLookup rows) {
      // row-sparse gradient: one row per distinct id instead of the whole [rows, dim] table
      return rows.lookupRows(weight, ids);
    }
    return rows(ps.getValue(weight, ids.getDevice(), training), ids);
  }

  /**
   * The whole table as the trainer's parameter store gives it (a dense gradient in training), for
   * computations that read every row.
   */
  NDArray value(ParameterStore ps, ai.djl.Device device, boolean training) {
    return ps.getValue(weight, device, training);
  }

  /** The rows {@code ids} of {@code table} by the engine's embedding op, on the ids' manager. */
  static NDArray rows(NDArray table, NDArray ids) {
    return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
  }

  /** Adds the table as an initializer of {@code graph}. */
  TowerGraph.Value export(TowerGraph graph) {
    return graph.weights(weight.getName(), weight.getArray());
  }
}
