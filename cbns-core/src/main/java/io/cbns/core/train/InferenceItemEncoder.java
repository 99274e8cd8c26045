package io.cbns.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Encodes items with the model's current parameters, without gradient and outside training mode.
 * For monitors (feature drift) and evaluation.
 */
@FunctionalInterface
public interface InferenceItemEncoder {
  /**
   * @param manager where the result is attached (the caller closes it)
   * @param itemIds the items
   * @return {@code float32 [itemIds.length, d]}
   */
  NDArray encode(NDManager manager, long[] itemIds);
}
