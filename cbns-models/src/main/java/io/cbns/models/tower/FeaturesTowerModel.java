package io.cbns.models.tower;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.cbns.core.data.FeatureTable;
import io.cbns.core.model.TowerContext;
import io.cbns.models.onnx.TowerGraph;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A content-aware two-tower model over the dataset's feature tables (tower name {@code features}).
 *
 * <ul>
 *   <li>Item tower: the masked mean of each categorical item feature's id embeddings (width e each)
 *       concatenated with the dense item features, optionally with an item id embedding, then an
 *       MLP (ReLU, dropout in training) to d. Without the id embedding (the default) the encoding
 *       is a function of the features only, so an item that never occurs in train gets an embedding
 *       as good as its features.
 *   <li>User tower: with user features, the same construction over them; otherwise a user id
 *       embedding {@code [numUsers, d]}.
 *   <li>Both outputs are L2-normalised when the context asks for it.
 * </ul>
 *
 * <p>Parameters: {@code item_feature_<k>_embedding [vocab_k, e]}, {@code item_embedding [numItems,
 * e]} with the item id embedding, {@code item_mlp_<i>_weight/bias}; {@code
 * user_feature_<k>_embedding} and {@code user_mlp_<i>_*} with user features, else {@code
 * user_embedding [numUsers, d]}. See {@link TwoTowerBlock} for ownership and thread-safety.
 */
public final class FeaturesTowerModel extends TwoTowerBlock {
  /** The tower name used in configurations and ONNX metadata. */
  public static final String NAME = "features";

  /** Whether the user tower uses the dataset's user features. */
  public enum UserFeatures {
    /** When the dataset has user features. */
    AUTO,
    /** Always; a dataset without user features is an error. */
    TRUE,
    /** Never: a user id embedding. */
    FALSE
  }

  /**
   * The model's options.
   *
   * @param embeddingDim width e of each categorical feature's embeddings
   * @param hidden widths of the hidden layers of the MLPs, possibly empty (one linear layer)
   * @param dropout dropout rate after each hidden layer in training, in {@code [0, 1)}
   * @param itemIdEmbedding whether an item id embedding joins the item features
   * @param userFeatures whether the user tower uses user features
   * @param initStd standard deviation of the initial embeddings
   */
  public record Config(
      int embeddingDim,
      List<Integer> hidden,
      double dropout,
      boolean itemIdEmbedding,
      UserFeatures userFeatures,
      double initStd) {
    public Config {
      hidden = List.copyOf(requireNonNull(hidden, "hidden is null"));
      requireNonNull(userFeatures, "userFeatures is null");
      if (embeddingDim < 1) {
        throw new IllegalArgumentException("embeddingDim must be >= 1: " + embeddingDim);
      }
      if (hidden.stream().anyMatch(h -> h < 1)) {
        throw new IllegalArgumentException("hidden widths must be >= 1: " + hidden);
      }
      if (!(dropout >= 0 && dropout < 1)) {
        throw new IllegalArgumentException("dropout must be in [0, 1): " + dropout);
      }
      if (!(initStd > 0) || Double.isInfinite(initStd)) {
        throw new IllegalArgumentException("initStd must be positive and finite: " + initStd);
      }
    }

    /** The defaults of the {@code features} tower. */
    public static Config defaults() {
      return new Config(32, List.of(128), 0.0, false, UserFeatures.AUTO, 0.1);
    }
  }

  private final Config config;
  private final int numUsers;
  private final int numItems;
  private final FeatureEncoder itemEncoder;
  private final EmbeddingTable itemTable;
  private final Mlp itemMlp;
  private final FeatureEncoder userEncoder;
  private final Mlp userMlp;
  private final EmbeddingTable userTable;

  private FeaturesTowerModel(
      TowerContext ctx, Config config, FeatureTable items, FeatureTable users) {
    super(ctx);
    this.config = config;
    this.numUsers = ctx.numUsers();
    this.numItems = ctx.numItems();
    long seed = ctx.seed();
    int e = config.embeddingDim();
    int d = ctx.dimension();
    this.itemEncoder = new FeatureEncoder(this, "item", items, e, seed, config.initStd());
    this.itemTable =
        config.itemIdEmbedding()
            ? EmbeddingTable.create(this, "item_embedding", numItems, e, seed, config.initStd())
            : null;
    int itemIn = itemEncoder.width() + (itemTable == null ? 0 : e);
    this.itemMlp = Mlp.create(this, "item_mlp", itemIn, config.hidden(), d, config.dropout(), seed);
    if (users != null) {
      this.userEncoder = new FeatureEncoder(this, "user", users, e, seed, config.initStd());
      this.userMlp =
          Mlp.create(
              this, "user_mlp", userEncoder.width(), config.hidden(), d, config.dropout(), seed);
      this.userTable = null;
    } else {
      this.userEncoder = null;
      this.userMlp = null;
      this.userTable =
          EmbeddingTable.create(this, "user_embedding", numUsers, d, seed, config.initStd());
    }
    finishInitialization();
  }

  /**
   * Creates an initialised model.
   *
   * @param ctx sizes, dimension, normalisation, seed, the feature tables and the parent manager
   * @param config the options
   * @throws IllegalArgumentException when the context has no item features, or no user features
   *     while {@link Config#userFeatures()} is {@code TRUE}
   */
  public static FeaturesTowerModel create(TowerContext ctx, Config config) {
    requireNonNull(ctx, "ctx is null");
    requireNonNull(config, "config is null");
    FeatureTable items =
        ctx.itemFeatures()
            .orElseThrow(() -> new IllegalArgumentException("the dataset has no item features"));
    Optional<FeatureTable> users = ctx.userFeatures();
    if (config.userFeatures() == UserFeatures.TRUE && users.isEmpty()) {
      throw new IllegalArgumentException("the dataset has no user features");
    }
    FeatureTable userTable =
        config.userFeatures() == UserFeatures.FALSE ? null : users.orElse(null);
    return new FeaturesTowerModel(ctx, config, items, userTable);
  }

  public Config config() {
    return config;
  }

  /** The item features the item tower reads (for serving: the source of the ONNX inputs). */
  public FeatureTable itemFeatures() {
    return itemEncoder.table();
  }

  /** The user features the user tower reads, when it reads any. */
  public Optional<FeatureTable> userFeatures() {
    return userEncoder == null ? Optional.empty() : Optional.of(userEncoder.table());
  }

  /** The item tower depends on MLP weights, so every re-encoding runs the MLP. */
  @Override
  public boolean cheapItemReencoding() {
    return false;
  }

  @Override
  public NDArray encodeUsers(
      ParameterStore ps, NDArray userIds, NDArray targetItemIds, boolean training) {
    if (userEncoder == null) {
      return maybeNormalize(userTable.lookup(ps, userIds, training));
    }
    NDArray x = userEncoder.encode(ps, hostIds(userIds), userIds, training);
    return maybeNormalize(userMlp.forward(ps, x, training));
  }

  @Override
  public NDArray encodeItems(ParameterStore ps, NDArray itemIds, boolean training) {
    NDArray x = itemEncoder.encode(ps, hostIds(itemIds), itemIds, training);
    if (itemTable != null) {
      x = x.concat(itemTable.lookup(ps, itemIds, training), 1);
    }
    return maybeNormalize(itemMlp.forward(ps, x, training));
  }

  @Override
  protected String descriptor() {
    return String.format(
        Locale.ROOT,
        "%s users=%d items=%d d=%d e=%d item-in=%d item-id-embedding=%b user-features=%b"
            + " hidden=%s",
        NAME,
        numUsers,
        numItems,
        dimension(),
        config.embeddingDim(),
        itemEncoder.width(),
        config.itemIdEmbedding(),
        userEncoder != null,
        config.hidden());
  }

  @Override
  public String towerType() {
    return NAME;
  }

  @Override
  public Map<String, String> onnxMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("num_users", String.valueOf(numUsers));
    m.put("num_items", String.valueOf(numItems));
    m.put("embedding_dim", String.valueOf(config.embeddingDim()));
    m.put("hidden", config.hidden().toString());
    m.put("dropout", String.valueOf(config.dropout()));
    m.put("item_id_embedding", String.valueOf(config.itemIdEmbedding()));
    m.put("user_features", String.valueOf(userEncoder != null));
    m.put("item_feature_names", featureNames(itemEncoder.table()));
    if (userEncoder != null) {
      m.put("user_feature_names", featureNames(userEncoder.table()));
    }
    m.put("init_std", String.valueOf(config.initStd()));
    return m;
  }

  private static String featureNames(FeatureTable t) {
    StringBuilder b = new StringBuilder();
    t.categorical().forEach(f -> b.append(b.length() == 0 ? "" : ",").append(f.name()));
    t.dense().forEach(f -> b.append(b.length() == 0 ? "" : ",").append(f.name()));
    return b.toString();
  }

  @Override
  public void buildUserTower(TowerGraph graph) {
    TowerGraph.Value out;
    if (userEncoder == null) {
      TowerGraph.Value ids = graph.idInput(TowerGraph.USER_ID);
      out = graph.gather(userTable.export(graph), ids);
    } else {
      out = userMlp.export(graph, userEncoder.export(graph));
    }
    graph.output(
        TowerGraph.USER_EMBEDDING, normalize() ? graph.l2Normalize(out) : out, dimension());
  }

  @Override
  public void buildItemTower(TowerGraph graph) {
    TowerGraph.Value x = itemEncoder.export(graph);
    if (itemTable != null) {
      TowerGraph.Value ids = graph.idInput(TowerGraph.ITEM_ID);
      x = graph.concat(x, graph.gather(itemTable.export(graph), ids));
    }
    TowerGraph.Value out = itemMlp.export(graph, x);
    graph.output(
        TowerGraph.ITEM_EMBEDDING, normalize() ? graph.l2Normalize(out) : out, dimension());
  }
}
