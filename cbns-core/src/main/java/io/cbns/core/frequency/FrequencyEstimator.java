package io.cbns.core.frequency;

import io.cbns.core.checkpoint.Checkpointable;

/**
 * Estimates {@code log q(item)}, the probability that a batch column holds the item.
 *
 * <p>Host-side and cheap (O(B) per step). Not thread-safe: the trainer calls {@link #observe} after
 * it has read {@link #logQ} for the same batch.
 *
 * <p>An estimator that learns in {@link #observe} must checkpoint what it learned ({@link
 * Checkpointable}); the defaults save nothing, which is right for fixed estimates.
 */
public interface FrequencyEstimator extends Checkpointable {
  /**
   * Writes {@code log q} of each id into {@code out}.
   *
   * @param itemIds item ids (ids outside the known catalogue are allowed for streaming estimators)
   * @param out the destination, {@code itemIds.length} entries
   */
  void logQ(long[] itemIds, float[] out);

  /** Records the items of a step's batch (streaming estimators learn from it). */
  default void observe(long step, long[] itemIds) {}
}
