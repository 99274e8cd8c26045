package io.cbns.models.tower;

import io.cbns.core.config.Options;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.spi.TowerFactory;

/**
 * Creates {@link LightGcnModel}s ({@code model.tower: lightgcn}). Options: {@code layers} (default
 * 1, in [1, 8]), {@code init-std} (default 0.1, in [1e-6, 10]).
 */
public final class LightGcnFactory implements TowerFactory {
  /** Default number of propagation layers. */
  public static final int DEFAULT_LAYERS = 1;

  @Override
  public String name() {
    return LightGcnModel.NAME;
  }

  @Override
  public String description() {
    return "LightGCN: id embeddings averaged over K layers of propagation on the train graph";
  }

  @Override
  public TwoTowerModel create(TowerContext ctx, Options options) {
    int layers = options.getInt("layers", DEFAULT_LAYERS, 1, 8);
    return LightGcnModel.create(ctx, layers, MatrixFactorizationFactory.readInitStd(options));
  }
}
