package io.cbns.benchmarks.e2e;

import io.cbns.core.train.StepInfo;
import io.cbns.core.train.TrainingListener;
import java.util.Arrays;

/**
 * Records the wall time and size of every training step ({@link StepInfo#nanos()}: the step itself,
 * waiting for the batch excluded) and summarises the steps after a warm-up. Not thread-safe; the
 * trainer calls listeners from its own thread.
 */
public final class StepTimes implements TrainingListener {
  private long[] nanos = new long[1024];
  private int[] rows = new int[1024];
  private int count;

  @Override
  public void onStep(StepInfo step) {
    add(step.nanos(), step.batchSize());
  }

  /** Records one step. */
  public void add(long stepNanos, int batchSize) {
    if (count == nanos.length) {
      nanos = Arrays.copyOf(nanos, count * 2);
      rows = Arrays.copyOf(rows, count * 2);
    }
    nanos[count] = stepNanos;
    rows[count] = batchSize;
    count++;
  }

  /** Steps recorded so far. */
  public int count() {
    return count;
  }

  /** The recorded step times, in order. */
  public long[] nanos() {
    return Arrays.copyOf(nanos, count);
  }

  /**
   * Statistics of the steps after the first {@code warmup}.
   *
   * @throws IllegalArgumentException when no step is left after the warm-up
   */
  public Summary summary(int warmup) {
    if (warmup < 0 || warmup >= count) {
      throw new IllegalArgumentException(
          "warm-up of " + warmup + " steps leaves none of the " + count + " recorded steps");
    }
    long[] timed = Arrays.copyOfRange(nanos, warmup, count);
    long interactions = 0;
    for (int i = warmup; i < count; i++) {
      interactions += rows[i];
    }
    long total = Arrays.stream(timed).sum();
    long[] sorted = timed.clone();
    Arrays.sort(sorted);
    return new Summary(
        timed.length,
        interactions,
        total / 1e9,
        total / 1e6 / timed.length,
        percentile(sorted, 0.5) / 1e6,
        percentile(sorted, 0.9) / 1e6);
  }

  /** The value at quantile {@code q} of {@code sorted} (nearest rank). */
  static long percentile(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /**
   * The timed steps.
   *
   * @param steps steps after the warm-up
   * @param interactions rows trained in them
   * @param seconds their summed wall time
   * @param meanMillis mean step time
   * @param medianMillis median step time
   * @param p90Millis 90th percentile step time
   */
  public record Summary(
      int steps,
      long interactions,
      double seconds,
      double meanMillis,
      double medianMillis,
      double p90Millis) {
    /** Training throughput over the timed steps. */
    public double interactionsPerSecond() {
      return interactions / seconds;
    }
  }
}
