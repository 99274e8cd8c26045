package io.cbns.samplers.sampler;

import io.cbns.core.config.Options;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.spi.SamplerFactory;

/**
 * {@code sampler.name: uniform}. Option {@code num-negatives} (default 1024, in [1, 10^7]): items
 * drawn uniformly per step. The draws are seeded with {@link SamplerContext#seed()}.
 */
public final class UniformSamplerFactory implements SamplerFactory {
  public static final String NAME = "uniform";
  public static final int DEFAULT_NUM_NEGATIVES = 1024;
  static final int MAX_NUM_NEGATIVES = 10_000_000;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "N items drawn uniformly per step, shared by the batch, encoded with gradient";
  }

  @Override
  public NegativeSampler create(SamplerContext ctx, Options options) {
    int n = options.getInt("num-negatives", DEFAULT_NUM_NEGATIVES, 1, MAX_NUM_NEGATIVES);
    return new UniformSampler(ctx.numItems(), n, ctx.seed());
  }
}
