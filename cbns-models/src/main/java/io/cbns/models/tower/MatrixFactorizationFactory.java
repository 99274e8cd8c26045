package io.cbns.models.tower;

import io.cbns.core.config.Options;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.spi.TowerFactory;

/**
 * Creates {@link MatrixFactorizationModel}s ({@code model.tower: mf}). Options: {@code init-std}
 * (default 0.1, in [1e-6, 10]).
 */
public final class MatrixFactorizationFactory implements TowerFactory {
  /** Default standard deviation of the initial embeddings. */
  public static final double DEFAULT_INIT_STD = 0.1;

  @Override
  public String name() {
    return MatrixFactorizationModel.NAME;
  }

  @Override
  public String description() {
    return "matrix factorisation: user and item id embeddings";
  }

  @Override
  public TwoTowerModel create(TowerContext ctx, Options options) {
    return MatrixFactorizationModel.create(ctx, readInitStd(options));
  }

  static double readInitStd(Options options) {
    return options.getDouble("init-std", DEFAULT_INIT_STD, 1e-6, 10.0);
  }
}
