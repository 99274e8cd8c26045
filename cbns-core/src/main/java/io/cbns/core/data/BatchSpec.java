package io.cbns.core.data;

/**
 * How the loader cuts an epoch into batches.
 *
 * @param batchSize rows per batch, at least 1
 * @param dropLast whether a last batch smaller than {@code batchSize} is dropped
 * @param seed the shuffle seed; the order of epoch {@code e} is a function of (seed, e) only
 * @param prefetch how many batches a background thread may prepare ahead (0: none, synchronous)
 * @param recentRepeats extra visits of each user's latest train interactions ({@link
 *     RecentRepeats#OFF}: every interaction once)
 */
public record BatchSpec(
    int batchSize, boolean dropLast, long seed, int prefetch, RecentRepeats recentRepeats) {
  /** A spec without repeats: every train interaction once per epoch. */
  public BatchSpec(int batchSize, boolean dropLast, long seed, int prefetch) {
    this(batchSize, dropLast, seed, prefetch, RecentRepeats.OFF);
  }

  public BatchSpec {
    if (recentRepeats == null) {
      throw new IllegalArgumentException("recentRepeats is null");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (prefetch < 0) {
      throw new IllegalArgumentException("prefetch must be >= 0, got " + prefetch);
    }
  }
}
