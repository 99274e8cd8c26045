package io.cbns.core.sampling;

import ai.djl.ndarray.NDArray;

/**
 * The item tower as samplers see it (samplers never see models): encodes item ids with gradient in
 * the current training step.
 */
@FunctionalInterface
public interface ItemEncoder {
  /**
   * @param itemIds {@code int64 [n]} on the step's manager
   * @return {@code float32 [n, d]} on the step's manager, attached to the autograd graph
   */
  NDArray encode(NDArray itemIds);
}
