package io.cbns.samplers.frequency;

import io.cbns.core.config.Options;
import io.cbns.core.frequency.FrequencyContext;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.spi.FrequencyEstimatorFactory;

/** {@code frequency.name: counts}: exact q from the train counts; no options. */
public final class CountsEstimatorFactory implements FrequencyEstimatorFactory {
  public static final String NAME = "counts";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "exact q(i) = count(i) / total from the train split (unseen items: smallest q)";
  }

  @Override
  public FrequencyEstimator create(FrequencyContext ctx, Options options) {
    return new CountsFrequencyEstimator(ctx.itemTrainCounts());
  }
}
