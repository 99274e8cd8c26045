package io.cbns.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/**
 * A parameter store that gives embedding tables row-sparse gradients: the trainer passes one to a
 * tower's encode methods when its optimizer updates rows ({@code
 * io.cbns.core.optim.RowGradientStore}). A tower whose id tables are looked up through {@link
 * #lookupRows} (instead of the engine's embedding op on the whole table) gets gradients for the
 * rows it read only, so a step costs {@code O(rows looked up x d)} instead of passes over every
 * table. A tower that ignores it still trains, with dense gradients.
 *
 * <p>A table read through {@link #lookupRows} must be read only that way during the step.
 */
public interface RowSparseLookup {
  /**
   * The rows of {@code table} for {@code ids}, with a row-sparse gradient.
   *
   * @param table a {@code [N, d]} parameter of the tower
   * @param ids integer ids of any shape {@code S}, each in {@code [0, N)}
   * @return {@code float32 [S..., d]} in the step's manager
   */
  NDArray lookupRows(Parameter table, NDArray ids);
}
