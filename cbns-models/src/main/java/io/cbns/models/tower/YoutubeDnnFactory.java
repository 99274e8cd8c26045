package io.cbns.models.tower;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.spi.TowerFactory;
import java.util.List;

/**
 * Creates {@link YoutubeDnnModel}s ({@code model.tower: youtube-dnn}). Options (defaults from
 * {@link YoutubeDnnModel.Config#defaults}): {@code history-length} (50, [1, 10000]), {@code
 * user-id-embedding} (false), {@code hidden} ([128]; each in [1, 65536], or {@code [0]} for no
 * hidden layer), {@code dropout} (0.0, [0, 0.95]), {@code item-mlp} (false), {@code
 * share-item-embeddings} (true), {@code embedding-dim} (model.dim, [1, 65536]; must equal model.dim
 * without the item MLP), {@code init-std} (0.1, [1e-6, 10]).
 */
public final class YoutubeDnnFactory implements TowerFactory {
  @Override
  public String name() {
    return YoutubeDnnModel.NAME;
  }

  @Override
  public String description() {
    return "YouTube-DNN: mean-pooled train history (+ user id) through an MLP; item id embedding";
  }

  @Override
  public TwoTowerModel create(TowerContext ctx, Options options) {
    return YoutubeDnnModel.create(ctx, readConfig(ctx, options));
  }

  /** Reads every option of the tower (all of them, so that unknown keys can be rejected). */
  static YoutubeDnnModel.Config readConfig(TowerContext ctx, Options options) {
    YoutubeDnnModel.Config d = YoutubeDnnModel.Config.defaults(ctx.dimension());
    int historyLength = options.getInt("history-length", d.historyLength(), 1, 10_000);
    boolean userIdEmbedding = options.getBoolean("user-id-embedding", d.userIdEmbedding());
    List<Integer> hidden = Mlp.readHiddenLayers(options, d.hidden());
    double dropout = options.getDouble("dropout", d.dropout(), 0.0, 0.95);
    boolean itemMlp = options.getBoolean("item-mlp", d.itemMlp());
    boolean share = options.getBoolean("share-item-embeddings", d.shareItemEmbeddings());
    int embeddingDim = options.getInt("embedding-dim", d.embeddingDim(), 1, 65_536);
    double initStd = MatrixFactorizationFactory.readInitStd(options);
    if (!itemMlp && embeddingDim != ctx.dimension()) {
      throw new ConfigException(
          options.keyPath("embedding-dim"),
          "is "
              + embeddingDim
              + " but without item-mlp the item embedding is the item encoding, so it must equal"
              + " the model dimension ("
              + ctx.dimension()
              + "); remove it or set item-mlp: true");
    }
    return new YoutubeDnnModel.Config(
        historyLength, userIdEmbedding, hidden, dropout, itemMlp, share, embeddingDim, initStd);
  }
}
