package io.cbns.core.train;

import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.RecentRepeats;

/**
 * How long and how the trainer trains.
 *
 * @param epochs passes over the train interactions, >= 1
 * @param batchSize rows per step, >= 1
 * @param dropLast whether the last partial batch of an epoch is dropped
 * @param prefetch batches the loader prepares ahead on a background thread (0: synchronous)
 * @param seed the shuffle seed
 * @param evaluateEvery evaluate every this many epochs (0: only after the last epoch)
 * @param patience stop after this many periodic evaluations without improvement of the selection
 *     metric (0: never stop early)
 * @param maxSteps stop after this many steps in total (0: no limit); for smoke runs and timing
 * @param recentRepeats extra visits of each user's latest train interactions per epoch
 */
public record TrainingConfig(
    int epochs,
    int batchSize,
    boolean dropLast,
    int prefetch,
    long seed,
    int evaluateEvery,
    int patience,
    long maxSteps,
    RecentRepeats recentRepeats) {
  /** A configuration without recent repeats. */
  public TrainingConfig(
      int epochs,
      int batchSize,
      boolean dropLast,
      int prefetch,
      long seed,
      int evaluateEvery,
      int patience,
      long maxSteps) {
    this(
        epochs,
        batchSize,
        dropLast,
        prefetch,
        seed,
        evaluateEvery,
        patience,
        maxSteps,
        RecentRepeats.OFF);
  }

  /** The loader's spec for this configuration. */
  public BatchSpec batchSpec() {
    return new BatchSpec(batchSize, dropLast, seed, prefetch, recentRepeats);
  }

  public TrainingConfig {
    if (recentRepeats == null) {
      throw new IllegalArgumentException("recentRepeats is null");
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1");
    }
    if (prefetch < 0 || evaluateEvery < 0 || patience < 0 || maxSteps < 0) {
      throw new IllegalArgumentException(
          "prefetch, evaluateEvery, patience, maxSteps must be >= 0");
    }
  }
}
