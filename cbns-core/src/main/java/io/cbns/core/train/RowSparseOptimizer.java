package io.cbns.core.train;

import ai.djl.ndarray.NDArray;

/**
 * An optimizer that can update selected rows of a matrix from their gradients alone (embedding
 * tables with row-sparse gradients, see {@link RowGradientStore}). The trainer uses the row-sparse
 * path only with such an optimizer.
 */
public interface RowSparseOptimizer {
  /**
   * Updates rows {@code rowIds} of {@code weight}.
   *
   * @param parameterId the parameter's stable name (state key)
   * @param weight the {@code [N, d]} parameter, updated in place
   * @param rowIds distinct row ids {@code int64 [u]}
   * @param rowGradients their gradients {@code float32 [u, d]}
   */
  void updateRows(String parameterId, NDArray weight, NDArray rowIds, NDArray rowGradients);

  /** Whether this instance wants row-sparse gradients (a dense Adam, for one, does not). */
  default boolean rowSparse() {
    return true;
  }
}
