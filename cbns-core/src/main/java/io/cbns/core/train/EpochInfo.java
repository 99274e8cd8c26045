package io.cbns.core.train;

/**
 * One finished epoch.
 *
 * @param epoch the 0-based epoch
 * @param steps steps in the epoch
 * @param meanLoss mean of the step losses
 * @param trainSeconds wall time of the epoch's training steps (evaluation excluded)
 * @param batchWaitSeconds time the trainer waited for batches from the loader
 * @param interactions train interactions consumed
 */
public record EpochInfo(
    int epoch,
    long steps,
    double meanLoss,
    double trainSeconds,
    double batchWaitSeconds,
    long interactions) {}
