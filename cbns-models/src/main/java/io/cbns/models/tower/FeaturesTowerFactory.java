package io.cbns.models.tower;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.spi.TowerFactory;
import java.util.List;
import java.util.Locale;

/**
 * Creates {@link FeaturesTowerModel}s ({@code model.tower: features}). Options (defaults from
 * {@link FeaturesTowerModel.Config#defaults}): {@code embedding-dim} (32, [1, 65536]), {@code
 * hidden} ([128]; each in [1, 65536], or {@code [0]} for no hidden layer), {@code dropout} (0.0,
 * [0, 0.95]), {@code item-id-embedding} (false), {@code user-features} ({@code auto}, {@code true}
 * or {@code false}), {@code init-std} (0.1, [1e-6, 10]).
 */
public final class FeaturesTowerFactory implements TowerFactory {
  @Override
  public String name() {
    return FeaturesTowerModel.NAME;
  }

  @Override
  public String description() {
    return "content features: pooled categorical + dense item features through an MLP; works for"
        + " unseen items";
  }

  @Override
  public TwoTowerModel create(TowerContext ctx, Options options) {
    FeaturesTowerModel.Config config = readConfig(options);
    if (ctx.itemFeatures().isEmpty()) {
      throw new ConfigException(
          "model.tower",
          "is 'features' but the dataset has no item features (item_features.arrow); use a"
              + " dataset with item features, e.g. the synthetic source with item-features: true");
    }
    if (config.userFeatures() == FeaturesTowerModel.UserFeatures.TRUE
        && ctx.userFeatures().isEmpty()) {
      throw new ConfigException(
          options.keyPath("user-features"),
          "is true but the dataset has no user features (user_features.arrow); set it to auto or"
              + " false");
    }
    return FeaturesTowerModel.create(ctx, config);
  }

  /** Reads every option of the tower (all of them, so that unknown keys can be rejected). */
  static FeaturesTowerModel.Config readConfig(Options options) {
    FeaturesTowerModel.Config d = FeaturesTowerModel.Config.defaults();
    int embeddingDim = options.getInt("embedding-dim", d.embeddingDim(), 1, 65_536);
    List<Integer> hidden = Mlp.readHiddenLayers(options, d.hidden());
    double dropout = options.getDouble("dropout", d.dropout(), 0.0, 0.95);
    boolean itemId = options.getBoolean("item-id-embedding", d.itemIdEmbedding());
    String users =
        options.getChoice(
            "user-features",
            d.userFeatures().name().toLowerCase(Locale.ROOT),
            List.of("auto", "true", "false"));
    double initStd = MatrixFactorizationFactory.readInitStd(options);
    return new FeaturesTowerModel.Config(
        embeddingDim,
        hidden,
        dropout,
        itemId,
        FeaturesTowerModel.UserFeatures.valueOf(users.toUpperCase(Locale.ROOT)),
        initStd);
  }
}
