package io.cbns.samplers.frequency;

import static java.util.Objects.requireNonNull;

import io.cbns.core.frequency.FrequencyEstimator;
import java.util.Arrays;

/**
 * The exact unigram probability of each item in the train split: {@code q(i) = count(i) / sum of
 * counts}, the probability that a batch column holds item i when batches are drawn uniformly from
 * the train interactions.
 *
 * <p>Items with a zero count, and ids outside {@code [0, numItems)}, get the smallest nonzero q of
 * the catalogue, so that log q stays finite (as in the PyTorch reference peer). When every count is
 * zero, q is uniform, {@code 1 / numItems}.
 *
 * <p>Immutable after construction (a precomputed {@code float[numItems]} table of log q); {@link
 * #logQ} is thread-safe; {@link #observe} does nothing.
 */
public final class CountsFrequencyEstimator implements FrequencyEstimator {
  private final float[] logQ;
  private final float unseenLogQ;

  /**
   * @param itemTrainCounts count of each item in the train split; copied; non-negative
   */
  public CountsFrequencyEstimator(long[] itemTrainCounts) {
    requireNonNull(itemTrainCounts, "itemTrainCounts is null");
    if (itemTrainCounts.length == 0) {
      throw new IllegalArgumentException("itemTrainCounts is empty");
    }
    double total = 0;
    long minNonZero = Long.MAX_VALUE;
    for (int i = 0; i < itemTrainCounts.length; i++) {
      long c = itemTrainCounts[i];
      if (c < 0) {
        throw new IllegalArgumentException("itemTrainCounts[" + i + "] is negative: " + c);
      }
      total += c;
      if (c > 0) {
        minNonZero = Math.min(minNonZero, c);
      }
    }
    this.logQ = new float[itemTrainCounts.length];
    if (total == 0) {
      this.unseenLogQ = (float) -Math.log(itemTrainCounts.length);
      Arrays.fill(logQ, unseenLogQ);
    } else {
      double logTotal = Math.log(total);
      this.unseenLogQ = (float) (Math.log(minNonZero) - logTotal);
      for (int i = 0; i < logQ.length; i++) {
        long c = itemTrainCounts[i];
        logQ[i] = c > 0 ? (float) (Math.log(c) - logTotal) : unseenLogQ;
      }
    }
  }

  /** Items in the catalogue. */
  public int numItems() {
    return logQ.length;
  }

  @Override
  public void logQ(long[] itemIds, float[] out) {
    LogQFill.fill(itemIds, out, id -> id >= 0 && id < logQ.length ? logQ[(int) id] : unseenLogQ);
  }
}
