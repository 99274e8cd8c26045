package io.cbns.models.tower;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.cbns.core.model.TowerContext;
import io.cbns.models.onnx.TowerGraph;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The YouTube-DNN style two-tower model the paper trains (tower name {@code youtube-dnn}).
 *
 * <ul>
 *   <li>User tower: the mean of the embeddings of the user's train history ({@link UserHistories},
 *       capped at {@link Config#historyLength()}), optionally concatenated with a user id
 *       embedding, then an MLP (ReLU, dropout in training) to d. In training the row's target item
 *       is left out of the pool so that the label does not leak into the input; a user whose pool
 *       is empty gets a zero pooled vector.
 *   <li>Item tower: the item id embedding, optionally followed by its own MLP with the same hidden
 *       widths.
 *   <li>Both outputs are L2-normalised when the context asks for it.
 * </ul>
 *
 * <p>Parameters: {@code item_embedding [numItems, e]}, {@code history_item_embedding [numItems, e]}
 * unless the history shares the item table, {@code user_embedding [numUsers, e]} with the user id
 * embedding, {@code user_mlp_<i>_weight/bias}, and {@code item_mlp_<i>_weight/bias} with the item
 * MLP. Each user batch builds the padded history on the host (one {@code int64 [n, L]} and one
 * {@code float32 [n, 1, L]} array per call) and pools with one batched matrix product. See {@link
 * TwoTowerBlock} for ownership and thread-safety.
 */
public final class YoutubeDnnModel extends TwoTowerBlock {
  /** The tower name used in configurations and ONNX metadata. */
  public static final String NAME = "youtube-dnn";

  private final Config config;
  private final UserHistories histories;
  private final EmbeddingTable itemTable;
  private final EmbeddingTable historyTable;
  private final EmbeddingTable userTable;
  private final Mlp userMlp;
  private final Mlp itemMlp;

  /**
   * The model's options.
   *
   * @param historyLength the most history items pooled per user, at least 1
   * @param userIdEmbedding whether a user id embedding is concatenated to the pooled history
   * @param hidden widths of the hidden layers of the MLPs, possibly empty (one linear layer)
   * @param dropout dropout rate after each hidden layer in training, in {@code [0, 1)}
   * @param itemMlp whether the item tower runs an MLP over the item embedding
   * @param shareItemEmbeddings whether history pooling uses the item tower's embedding table
   * @param embeddingDim width e of the id embeddings; must equal d without the item MLP
   * @param initStd standard deviation of the initial embeddings
   */
  public record Config(
      int historyLength,
      boolean userIdEmbedding,
      List<Integer> hidden,
      double dropout,
      boolean itemMlp,
      boolean shareItemEmbeddings,
      int embeddingDim,
      double initStd) {
    public Config {
      hidden = List.copyOf(requireNonNull(hidden, "hidden is null"));
      if (historyLength < 1) {
        throw new IllegalArgumentException("historyLength must be >= 1: " + historyLength);
      }
      if (hidden.stream().anyMatch(h -> h < 1)) {
        throw new IllegalArgumentException("hidden widths must be >= 1: " + hidden);
      }
      if (!(dropout >= 0 && dropout < 1)) {
        throw new IllegalArgumentException("dropout must be in [0, 1): " + dropout);
      }
      if (embeddingDim < 1) {
        throw new IllegalArgumentException("embeddingDim must be >= 1: " + embeddingDim);
      }
      if (!(initStd > 0) || Double.isInfinite(initStd)) {
        throw new IllegalArgumentException("initStd must be positive and finite: " + initStd);
      }
    }

    /** The defaults of the {@code youtube-dnn} tower for output dimension {@code d}. */
    public static Config defaults(int d) {
      return new Config(50, false, List.of(128), 0.0, false, true, d, 0.1);
    }
  }

  private YoutubeDnnModel(TowerContext ctx, Config config) {
    super(ctx);
    this.config = config;
    int e = config.embeddingDim();
    long seed = ctx.seed();
    this.histories = UserHistories.select(ctx.trainByUser(), config.historyLength());
    this.itemTable =
        EmbeddingTable.create(this, "item_embedding", ctx.numItems(), e, seed, config.initStd());
    this.historyTable =
        config.shareItemEmbeddings()
            ? itemTable
            : EmbeddingTable.create(
                this, "history_item_embedding", ctx.numItems(), e, seed, config.initStd());
    this.userTable =
        config.userIdEmbedding()
            ? EmbeddingTable.create(
                this, "user_embedding", ctx.numUsers(), e, seed, config.initStd())
            : null;
    int userIn = config.userIdEmbedding() ? 2 * e : e;
    this.userMlp =
        Mlp.create(
            this, "user_mlp", userIn, config.hidden(), ctx.dimension(), config.dropout(), seed);
    this.itemMlp =
        config.itemMlp()
            ? Mlp.create(
                this, "item_mlp", e, config.hidden(), ctx.dimension(), config.dropout(), seed)
            : null;
    finishInitialization();
  }

  /**
   * Creates an initialised model.
   *
   * @param ctx sizes, dimension, normalisation, seed of the initial values, train histories and the
   *     parent manager
   * @param config the options
   * @throws IllegalArgumentException when the histories do not match the sizes, or without the item
   *     MLP when {@code embeddingDim != d}
   */
  public static YoutubeDnnModel create(TowerContext ctx, Config config) {
    requireNonNull(ctx, "ctx is null");
    requireNonNull(config, "config is null");
    if (!config.itemMlp() && config.embeddingDim() != ctx.dimension()) {
      throw new IllegalArgumentException(
          "without the item MLP the item embedding is the item encoding, so embeddingDim ("
              + config.embeddingDim()
              + ") must equal the model dimension ("
              + ctx.dimension()
              + ")");
    }
    if (ctx.trainByUser().numRows() != ctx.numUsers()
        || ctx.trainByUser().numColumns() != ctx.numItems()) {
      throw new IllegalArgumentException(
          "trainByUser is "
              + ctx.trainByUser().numRows()
              + " x "
              + ctx.trainByUser().numColumns()
              + ", expected "
              + ctx.numUsers()
              + " x "
              + ctx.numItems());
    }
    return new YoutubeDnnModel(ctx, config);
  }

  public Config config() {
    return config;
  }

  /** The capped histories the user tower pools (for serving: the inputs of the exported graph). */
  public UserHistories histories() {
    return histories;
  }

  @Override
  public boolean cheapItemReencoding() {
    return itemMlp == null;
  }

  @Override
  public NDArray encodeUsers(
      ParameterStore ps, NDArray userIds, NDArray targetItemIds, boolean training) {
    long[] users = hostIds(userIds);
    long[] targets = targetItemIds == null ? null : hostIds(targetItemIds);
    HistoryBatch batch = histories.batch(users, targets);
    int n = batch.rows();
    int length = batch.length();
    NDManager m = userIds.getManager();
    NDArray history =
        m.create(batch.items(), new Shape(n, length)).toDevice(userIds.getDevice(), false);
    NDArray weights =
        m.create(batch.meanWeights(), new Shape(n, 1, length)).toDevice(userIds.getDevice(), false);
    NDArray embedded = historyTable.lookup(ps, history, training); // [n, L, e]
    NDArray x = weights.batchMatMul(embedded).reshape(n, config.embeddingDim());
    if (userTable != null) {
      x = x.concat(userTable.lookup(ps, userIds, training), 1);
    }
    return maybeNormalize(userMlp.forward(ps, x, training));
  }

  @Override
  public NDArray encodeItems(ParameterStore ps, NDArray itemIds, boolean training) {
    NDArray x = itemTable.lookup(ps, itemIds, training);
    if (itemMlp != null) {
      x = itemMlp.forward(ps, x, training);
    }
    return maybeNormalize(x);
  }

  @Override
  protected String descriptor() {
    return String.format(
        Locale.ROOT,
        "%s users=%d items=%d d=%d e=%d user-id-embedding=%b share-item-embeddings=%b"
            + " item-mlp=%b hidden=%s",
        NAME,
        histories.numUsers(),
        itemTable.rows(),
        dimension(),
        config.embeddingDim(),
        config.userIdEmbedding(),
        config.shareItemEmbeddings(),
        config.itemMlp(),
        config.hidden());
  }

  @Override
  public String towerType() {
    return NAME;
  }

  @Override
  public Map<String, String> onnxMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("num_users", String.valueOf(histories.numUsers()));
    m.put("num_items", String.valueOf(itemTable.rows()));
    m.put("embedding_dim", String.valueOf(config.embeddingDim()));
    m.put("history_length", String.valueOf(config.historyLength()));
    m.put("user_id_embedding", String.valueOf(config.userIdEmbedding()));
    m.put("hidden", config.hidden().toString());
    m.put("dropout", String.valueOf(config.dropout()));
    m.put("item_mlp", String.valueOf(config.itemMlp()));
    m.put("share_item_embeddings", String.valueOf(config.shareItemEmbeddings()));
    m.put("init_std", String.valueOf(config.initStd()));
    return m;
  }

  @Override
  public void buildUserTower(TowerGraph graph) {
    TowerGraph.Value ids = graph.idInput(TowerGraph.USER_ID);
    TowerGraph.Value history = graph.historyInput(TowerGraph.HISTORY);
    TowerGraph.Value mask = graph.maskInput(TowerGraph.HISTORY_MASK);
    TowerGraph.Value x = graph.maskedMean(graph.gather(historyTable.export(graph), history), mask);
    if (userTable != null) {
      x = graph.concat(x, graph.gather(userTable.export(graph), ids));
    }
    TowerGraph.Value out = userMlp.export(graph, x);
    graph.output(
        TowerGraph.USER_EMBEDDING, normalize() ? graph.l2Normalize(out) : out, dimension());
  }

  @Override
  public void buildItemTower(TowerGraph graph) {
    TowerGraph.Value ids = graph.idInput(TowerGraph.ITEM_ID);
    TowerGraph.Value out = graph.gather(itemTable.export(graph), ids);
    if (itemMlp != null) {
      out = itemMlp.export(graph, out);
    }
    graph.output(
        TowerGraph.ITEM_EMBEDDING, normalize() ? graph.l2Normalize(out) : out, dimension());
  }
}
