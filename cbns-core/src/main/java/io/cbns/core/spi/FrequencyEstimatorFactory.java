package io.cbns.core.spi;

import io.cbns.core.config.Options;
import io.cbns.core.frequency.FrequencyContext;
import io.cbns.core.frequency.FrequencyEstimator;

/** Creates a {@link FrequencyEstimator}; selected by {@code frequency.name}. */
public interface FrequencyEstimatorFactory extends NamedFactory {
  /**
   * @param ctx corpus size, exact train counts and batch size
   * @param options the {@code frequency} section
   */
  FrequencyEstimator create(FrequencyContext ctx, Options options);
}
