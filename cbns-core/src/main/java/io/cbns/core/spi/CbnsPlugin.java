package io.cbns.core.spi;

import java.util.List;

/**
 * Entry point of a plugin, discovered with {@link java.util.ServiceLoader}. One defaulted getter
 * per extension kind; a plugin overrides only what it contributes. Implementations need a public
 * no-argument constructor and must not do work in it.
 */
public interface CbnsPlugin {
  /** A short name for logs. */
  default String name() {
    return getClass().getSimpleName();
  }

  default List<SamplerFactory> samplerFactories() {
    return List.of();
  }

  default List<TowerFactory> towerFactories() {
    return List.of();
  }

  default List<DatasetSourceFactory> datasetSources() {
    return List.of();
  }

  default List<FrequencyEstimatorFactory> frequencyEstimatorFactories() {
    return List.of();
  }

  /** Training listeners; each reads the configuration section named after it. */
  default List<ListenerFactory> listenerFactories() {
    return List.of();
  }
}
