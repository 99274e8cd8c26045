package io.cbns.examples.popularity;

import io.cbns.core.config.Options;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.spi.SamplerFactory;

/**
 * {@code sampler.name: popularity}. Options, read with {@link Options} getters so that a wrong
 * value is an error naming its key and an unknown key is rejected by the runner:
 *
 * <ul>
 *   <li>{@code num-negatives}: N, default {@value #DEFAULT_NUM_NEGATIVES}, in [1, 10^7]
 *   <li>{@code alpha}: the exponent of q, default {@value #DEFAULT_ALPHA}, in [0, 2] (0: uniform,
 *       1: the unigram distribution)
 *   <li>{@code refresh-every}: steps between two re-reads of q from the frequency estimator,
 *       default 0 (read once, at the first step), in [0, 10^9]
 * </ul>
 */
public final class PopularitySamplerFactory implements SamplerFactory {
  public static final String NAME = "popularity";
  public static final int DEFAULT_NUM_NEGATIVES = 1024;
  public static final double DEFAULT_ALPHA = 0.75;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "example plugin: N negatives drawn in proportion to q^alpha, shared by the batch";
  }

  @Override
  public NegativeSampler create(SamplerContext ctx, Options options) {
    int n = options.getInt("num-negatives", DEFAULT_NUM_NEGATIVES, 1, 10_000_000);
    double alpha = options.getDouble("alpha", DEFAULT_ALPHA, 0, 2);
    long refresh = options.getLong("refresh-every", 0, 0, 1_000_000_000);
    return new PopularitySampler(ctx.numItems(), n, alpha, refresh, ctx.seed());
  }
}
