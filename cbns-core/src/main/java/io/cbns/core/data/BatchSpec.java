package io.cbns.core.data;

/**
 * How the loader cuts an epoch into batches.
 *
 * @param batchSize rows per batch, at least 1
 * @param dropLast whether a last batch smaller than {@code batchSize} is dropped
 * @param seed the shuffle seed; the order of epoch {@code e} is a function of (seed, e) only
 * @param prefetch how many batches a background thread may prepare ahead (0: none, synchronous)
 */
public record BatchSpec(int batchSize, boolean dropLast, long seed, int prefetch) {
  public BatchSpec {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (prefetch < 0) {
      throw new IllegalArgumentException("prefetch must be >= 0, got " + prefetch);
    }
  }
}
