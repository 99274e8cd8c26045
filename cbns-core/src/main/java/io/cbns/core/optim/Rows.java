package io.cbns.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;

/** Row gathers shared by the row-sparse parameter store and the optimizers. */
final class Rows {
  private Rows() {}

  /**
   * A copy of the rows {@code ids} of {@code table}, by the embedding op (PyTorch's {@code
   * index_select}, much cheaper than an indexed get, which goes through advanced indexing). The
   * gather reads a detached view of the table, so autograd does not record it, also inside a
   * gradient collector.
   *
   * @param table {@code [N, d]}
   * @param ids {@code int64 [u]}
   * @return {@code [u, d]}, on the manager of {@code ids}
   */
  static NDArray gather(NDArray table, NDArray ids) {
    try (NDArray frozen = table.stopGradient()) {
      return ids.getNDArrayInternal().embedding(ids, frozen, SparseFormat.DENSE).get(0);
    }
  }
}
