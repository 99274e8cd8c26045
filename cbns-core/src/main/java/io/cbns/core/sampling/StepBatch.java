package io.cbns.core.sampling;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;

/**
 * One training batch on the training device. All arrays belong to the step's manager and are freed
 * when the step ends.
 *
 * @param userIds {@code int64 [B]}
 * @param itemIds {@code int64 [B]}, the positive item of each row
 * @param itemLogQ {@code float32 [B]}, log of the sampling probability of each positive item
 * @param hostItemIds the positive item ids on the host (same values as {@code itemIds})
 */
public record StepBatch(NDArray userIds, NDArray itemIds, NDArray itemLogQ, long[] hostItemIds) {
  public StepBatch {
    requireNonNull(userIds, "userIds is null");
    requireNonNull(itemIds, "itemIds is null");
    requireNonNull(itemLogQ, "itemLogQ is null");
    requireNonNull(hostItemIds, "hostItemIds is null");
  }

  /** The batch size B. */
  public int size() {
    return hostItemIds.length;
  }
}
