package io.cbns.samplers.sampler;

import io.cbns.core.config.Options;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.spi.SamplerFactory;

/** {@code sampler.name: in-batch}; no options. */
public final class InBatchSamplerFactory implements SamplerFactory {
  public static final String NAME = "in-batch";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "the other positives of the batch are the negatives (logQ-corrected in-batch softmax)";
  }

  @Override
  public NegativeSampler create(SamplerContext ctx, Options options) {
    return new InBatchSampler();
  }
}
