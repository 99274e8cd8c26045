package io.cbns.samplers.sampler;

import io.cbns.core.config.Options;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.spi.SamplerFactory;

/**
 * {@code sampler.name: mixed}. Option {@code num-negatives} (default 1024, in [0, 10^7]; 0 is plain
 * in-batch): uniform items added to the batch's positives. Seeded with {@link
 * SamplerContext#seed()}.
 */
public final class MixedSamplerFactory implements SamplerFactory {
  public static final String NAME = "mixed";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "in-batch plus N uniform items (Mixed Negative Sampling), log q of the mixture";
  }

  @Override
  public NegativeSampler create(SamplerContext ctx, Options options) {
    int n =
        options.getInt(
            "num-negatives",
            UniformSamplerFactory.DEFAULT_NUM_NEGATIVES,
            0,
            UniformSamplerFactory.MAX_NUM_NEGATIVES);
    return new MixedSampler(ctx.numItems(), n, ctx.seed());
  }
}
