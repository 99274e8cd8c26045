package io.cbns.core.sampling;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.cbns.core.frequency.FrequencyEstimator;

/**
 * What a sampler may use during one step.
 *
 * @param step the 0-based global step
 * @param epoch the 0-based epoch
 * @param manager the step's manager: arrays created here are freed when the step ends
 * @param itemEncoder encodes extra items with gradient
 * @param frequency the sampling-probability estimate used for logQ
 */
public record StepContext(
    long step,
    int epoch,
    NDManager manager,
    ItemEncoder itemEncoder,
    FrequencyEstimator frequency) {
  public StepContext {
    requireNonNull(manager, "manager is null");
    requireNonNull(itemEncoder, "itemEncoder is null");
    requireNonNull(frequency, "frequency is null");
  }
}
