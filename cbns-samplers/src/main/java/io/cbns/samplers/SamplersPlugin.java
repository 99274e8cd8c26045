package io.cbns.samplers;

import io.cbns.core.spi.CbnsPlugin;
import io.cbns.core.spi.FrequencyEstimatorFactory;
import io.cbns.core.spi.ListenerFactory;
import io.cbns.core.spi.SamplerFactory;
import io.cbns.samplers.crossbatch.CrossBatchSamplerFactory;
import io.cbns.samplers.drift.DriftMonitorFactory;
import io.cbns.samplers.frequency.CountsEstimatorFactory;
import io.cbns.samplers.frequency.StreamingEstimatorFactory;
import io.cbns.samplers.sampler.InBatchSamplerFactory;
import io.cbns.samplers.sampler.MixedSamplerFactory;
import io.cbns.samplers.sampler.UniformSamplerFactory;
import java.util.List;

/**
 * The built-in samplers ({@code in-batch}, {@code uniform}, {@code mixed}, {@code cross-batch},
 * selected by {@code sampler.name}) and frequency estimators ({@code counts}, {@code streaming},
 * selected by {@code frequency.name}) and the {@code drift} listener (the feature-drift monitor,
 * configured by the {@code drift} section). Listed in {@code
 * META-INF/services/io.cbns.core.spi.CbnsPlugin}; stateless and thread-safe.
 */
public final class SamplersPlugin implements CbnsPlugin {
  @Override
  public String name() {
    return "samplers";
  }

  @Override
  public List<SamplerFactory> samplerFactories() {
    return List.of(
        new InBatchSamplerFactory(),
        new UniformSamplerFactory(),
        new MixedSamplerFactory(),
        new CrossBatchSamplerFactory());
  }

  @Override
  public List<FrequencyEstimatorFactory> frequencyEstimatorFactories() {
    return List.of(new CountsEstimatorFactory(), new StreamingEstimatorFactory());
  }

  @Override
  public List<ListenerFactory> listenerFactories() {
    return List.of(new DriftMonitorFactory());
  }
}
