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
 * @param cheapItemReencoding the towers' {@link
 *     io.cbns.core.model.TwoTowerModel#cheapItemReencoding()}: whether encoding extra item ids with
 *     gradient costs about as little as reusing cached embeddings
 */
public record SamplerContext(
    int numItems,
    int dimension,
    int batchSize,
    long stepsPerEpoch,
    long seed,
    NDManager manager,
    boolean cheapItemReencoding) {
  public SamplerContext {
    requireNonNull(manager, "manager is null");
  }

  /** A context for towers whose items are cheap to encode again (id lookups). */
  public SamplerContext(
      int numItems,
      int dimension,
      int batchSize,
      long stepsPerEpoch,
      long seed,
      NDManager manager) {
    this(numItems, dimension, batchSize, stepsPerEpoch, seed, manager, true);
  }
}
