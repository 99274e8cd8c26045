package io.cbns.data.arrow.format;

import static java.util.Objects.requireNonNull;

/**
 * The rows of one split as parallel primitive columns: row {@code r} is the interaction {@code
 * (userIds[r], itemIds[r])}, with {@code timestamps[r]} and {@code weights[r]} when those columns
 * exist ({@code null} when they do not).
 *
 * <p>Immutable by contract: nobody modifies the arrays after construction (equality is by
 * reference, as for any record holding arrays).
 */
public record InteractionTable(int[] userIds, int[] itemIds, long[] timestamps, float[] weights) {
  public InteractionTable {
    requireNonNull(userIds, "userIds is null");
    requireNonNull(itemIds, "itemIds is null");
    if (userIds.length != itemIds.length) {
      throw new IllegalArgumentException(
          "userIds has " + userIds.length + " rows but itemIds has " + itemIds.length);
    }
    if (timestamps != null && timestamps.length != userIds.length) {
      throw new IllegalArgumentException("timestamps differ in length from userIds");
    }
    if (weights != null && weights.length != userIds.length) {
      throw new IllegalArgumentException("weights differ in length from userIds");
    }
  }

  /** A table of ids only. */
  public static InteractionTable of(int[] userIds, int[] itemIds) {
    return new InteractionTable(userIds, itemIds, null, null);
  }

  /** Rows {@code [from, to)} as a table of their own (copies). */
  public InteractionTable slice(int from, int to) {
    return new InteractionTable(
        java.util.Arrays.copyOfRange(userIds, from, to),
        java.util.Arrays.copyOfRange(itemIds, from, to),
        timestamps == null ? null : java.util.Arrays.copyOfRange(timestamps, from, to),
        weights == null ? null : java.util.Arrays.copyOfRange(weights, from, to));
  }

  /** Number of rows. */
  public int size() {
    return userIds.length;
  }

  public boolean hasTimestamps() {
    return timestamps != null;
  }

  public boolean hasWeights() {
    return weights != null;
  }
}
