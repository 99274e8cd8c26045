package io.cbns.core.sampling;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;

/**
 * What a {@link io.cbns.core.spi.SamplerFactory} gets besides its own options.
 *
 * @param numItems items in the corpus (ids {@code [0, numItems)})
 * @param dimension embedding dimension d
 * @param batchSize the training batch size B
 * @param stepsPerEpoch training steps per epoch (for warm-ups given in epochs)
 * @param seed the sampler's seed
 * @param manager a long-lived manager for sampler state (the sampler may create a sub-manager)
 */
public record SamplerContext(
    int numItems, int dimension, int batchSize, long stepsPerEpoch, long seed, NDManager manager) {
  public SamplerContext {
    requireNonNull(manager, "manager is null");
  }
}
