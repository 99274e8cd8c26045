package io.cbns.examples.popularity;

import io.cbns.core.spi.CbnsPlugin;
import io.cbns.core.spi.SamplerFactory;
import java.util.List;

/**
 * Contributes the {@code popularity} sampler. Found by {@link java.util.ServiceLoader} through
 * {@code META-INF/services/io.cbns.core.spi.CbnsPlugin}; a public no-argument constructor, no work
 * in it.
 */
public final class PopularitySamplerPlugin implements CbnsPlugin {
  @Override
  public String name() {
    return "popularity-sampler-example";
  }

  @Override
  public List<SamplerFactory> samplerFactories() {
    return List.of(new PopularitySamplerFactory());
  }
}
