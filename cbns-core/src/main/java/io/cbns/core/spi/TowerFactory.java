package io.cbns.core.spi;

import io.cbns.core.config.Options;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;

/** Creates an initialised {@link TwoTowerModel}; selected by {@code model.tower}. */
public interface TowerFactory extends NamedFactory {
  /**
   * @param ctx sizes, dimension, normalisation, seed, histories and the parameter manager
   * @param options the {@code model} section; the factory reads its own keys
   * @throws io.cbns.core.config.ConfigException for a bad option
   */
  TwoTowerModel create(TowerContext ctx, Options options);
}
