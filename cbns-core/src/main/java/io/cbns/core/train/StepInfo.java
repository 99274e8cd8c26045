package io.cbns.core.train;

/**
 * One finished training step.
 *
 * @param step the 0-based global step just finished
 * @param epoch the 0-based epoch
 * @param stepInEpoch the 0-based index of the step within the epoch
 * @param loss the step's mean loss
 * @param batchSize rows in the step's batch
 * @param nanos wall time of the step (batch wait excluded)
 */
public record StepInfo(
    long step, int epoch, long stepInEpoch, double loss, int batchSize, long nanos) {}
