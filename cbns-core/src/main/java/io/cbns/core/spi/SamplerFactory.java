package io.cbns.core.spi;

import io.cbns.core.config.Options;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;

/** Creates a {@link NegativeSampler}; selected by {@code sampler.name}. */
public interface SamplerFactory extends NamedFactory {
  /**
   * @param ctx corpus size, dimension, batch size, seed and a manager for long-lived state
   * @param options the {@code sampler} section; the factory reads its own keys with {@link
   *     Options}'s getters (unknown keys are rejected by the caller afterwards)
   * @throws io.cbns.core.config.ConfigException for a bad option
   */
  NegativeSampler create(SamplerContext ctx, Options options);
}
