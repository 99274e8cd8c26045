package io.cbns.core.data;

import static java.util.Objects.requireNonNull;

/**
 * One mini-batch of train interactions on the host, as produced by a {@link BatchIterator}
 * (possibly on a prefetch thread). Row {@code i} is the pair {@code (userIds[i], itemIds[i])}. The
 * trainer turns it into device tensors; the arrays are owned by the batch and never reused by the
 * producer after hand-over.
 */
public record InteractionBatch(long[] userIds, long[] itemIds) {
  public InteractionBatch {
    requireNonNull(userIds, "userIds is null");
    requireNonNull(itemIds, "itemIds is null");
    if (userIds.length != itemIds.length) {
      throw new IllegalArgumentException("userIds and itemIds differ in length");
    }
  }

  public int size() {
    return userIds.length;
  }
}
