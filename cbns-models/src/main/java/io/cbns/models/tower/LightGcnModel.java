package io.cbns.models.tower;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.cbns.core.model.TowerContext;
import io.cbns.models.onnx.TowerGraph;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * LightGCN (He et al., SIGIR 2020) as a two-tower model: id embeddings smoothed over the train
 * user-item graph. With {@code E0} the user and item tables and {@code A} the symmetrically
 * normalised bipartite adjacency ({@link InteractionGraph}), layer {@code k} is {@code E_k = A
 * E_(k-1)} and a node's encoding is the mean of its rows in layers {@code 0..K}, L2-normalised when
 * the context asks for it. Tower name {@code lightgcn}.
 *
 * <p>A propagated vector does not depend on who asks, so the towers stay a user vector and an item
 * vector scored by a dot product: the export writes the propagated tables, and serving is the same
 * gather as {@code mf}.
 *
 * <p><b>Cost.</b> With one layer (the default) a batch reads only its own nodes' neighbours: a
 * sparse {@code [n, distinct neighbours]} product over rows looked up from the other table (with
 * row-sparse gradients under lazy Adam), so a step costs {@code O(edges of the batch x d)}. With
 * {@code K >= 2} the inner layers {@code 1..K-1} are propagated over the whole graph at each call
 * ({@code O(K x train edges x d)}), then the last layer again only for the batch; on a CPU that is
 * many times dearer per step.
 *
 * <p>Parameters: {@code user_embedding}, {@code item_embedding}, {@code N(0, initStd^2)} with the
 * context's seed. See {@link TwoTowerBlock} for ownership and thread-safety.
 */
public final class LightGcnModel extends TwoTowerBlock {
  /** The tower name used in configurations and ONNX metadata. */
  public static final String NAME = "lightgcn";

  private final EmbeddingTable users;
  private final EmbeddingTable items;
  private final InteractionGraph graph;
  private final int layers;
  private final double initStd;

  private LightGcnModel(TowerContext ctx, int layers, double initStd) {
    super(ctx);
    this.layers = layers;
    this.initStd = initStd;
    this.graph = new InteractionGraph(ctx.trainByUser());
    this.users =
        EmbeddingTable.create(
            this, "user_embedding", ctx.numUsers(), ctx.dimension(), ctx.seed(), initStd);
    this.items =
        EmbeddingTable.create(
            this, "item_embedding", ctx.numItems(), ctx.dimension(), ctx.seed(), initStd);
    finishInitialization();
  }

  /**
   * Creates an initialised model over the graph of {@code ctx.trainByUser()}.
   *
   * @param layers propagation layers K, >= 1
   * @param initStd standard deviation of the initial embeddings, positive and finite
   */
  public static LightGcnModel create(TowerContext ctx, int layers, double initStd) {
    if (layers < 1) {
      throw new IllegalArgumentException("layers must be >= 1: " + layers);
    }
    if (!(initStd > 0) || Double.isInfinite(initStd)) {
      throw new IllegalArgumentException("initStd must be positive and finite: " + initStd);
    }
    return new LightGcnModel(ctx, layers, initStd);
  }

  /** Propagation layers K. */
  public int layers() {
    return layers;
  }

  /** Re-encoding an item reads its neighbours (or the whole graph): not a plain lookup. */
  @Override
  public boolean cheapItemReencoding() {
    return false;
  }

  @Override
  public NDArray encodeUsers(
      ParameterStore ps, NDArray userIds, NDArray targetItemIds, boolean training) {
    return maybeNormalize(encode(ps, userIds, true, training));
  }

  @Override
  public NDArray encodeItems(ParameterStore ps, NDArray itemIds, boolean training) {
    return maybeNormalize(encode(ps, itemIds, false, training));
  }

  /** The mean of layers 0..K of the queried users or items, before normalisation. */
  private NDArray encode(ParameterStore ps, NDArray ids, boolean ofUsers, boolean training) {
    NDManager m = ids.getManager();
    long[] hostIds = hostIds(ids);
    NDArray sum;
    NDArray last; // layer K of the queried nodes
    if (layers == 1) {
      // only the batch's neighbours, looked up once each (row-sparse gradients under lazy Adam)
      InteractionGraph.Neighbourhood n = graph.neighbourhood(hostIds, ofUsers, false);
      sum = (ofUsers ? users : items).lookup(ps, ids, training);
      last =
          n.columns().length == 0
              ? null
              : n.sum(
                  m,
                  (ofUsers ? items : users)
                      .lookup(
                          ps, m.create(n.columns()).toDevice(ids.getDevice(), false), training));
    } else {
      // layers 1..K-1 over the whole graph, then layer K for the queried nodes only
      NDArray user = users.value(ps, ids.getDevice(), training);
      NDArray item = items.value(ps, ids.getDevice(), training);
      sum = EmbeddingTable.rows(ofUsers ? user : item, ids);
      for (int k = 1; k < layers; k++) {
        NDArray nextUser = propagateAll(m, item, true);
        item = propagateAll(m, user, false);
        user = nextUser;
        sum = sum.add(EmbeddingTable.rows(ofUsers ? user : item, ids));
      }
      last = graph.neighbourhood(hostIds, ofUsers, true).sum(m, ofUsers ? item : user);
    }
    if (last != null) {
      sum = sum.add(last);
    }
    // an engine-owned scalar, never a Java number, which DJL would free before the backward pass
    return sum.mul(m.full(new Shape(), 1f / (layers + 1), DataType.FLOAT32));
  }

  /**
   * One layer over the whole graph: every user's (item's) sum over its neighbours' rows, on {@code
   * m} (the caller's manager; {@code otherSide} may be a parameter table, whose manager outlives
   * the call).
   */
  private NDArray propagateAll(NDManager m, NDArray otherSide, boolean toUsers) {
    long[] all = new long[graph.size(toUsers)];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return graph.neighbourhood(all, toUsers, true).sum(m, otherSide);
  }

  @Override
  protected String descriptor() {
    return String.format(
        Locale.ROOT,
        "%s users=%d items=%d d=%d layers=%d edges=%d",
        NAME,
        users.rows(),
        items.rows(),
        dimension(),
        layers,
        graph.edges());
  }

  @Override
  public String towerType() {
    return NAME;
  }

  @Override
  public Map<String, String> onnxMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("num_users", String.valueOf(users.rows()));
    m.put("num_items", String.valueOf(items.rows()));
    m.put("layers", String.valueOf(layers));
    m.put("graph_edges", String.valueOf(graph.edges()));
    m.put("init_std", String.valueOf(initStd));
    return m;
  }

  /** The user tower: a gather from the propagated (and normalised) user table. */
  @Override
  public void buildUserTower(TowerGraph graph) {
    exportTable(graph, true);
  }

  /** The item tower: a gather from the propagated (and normalised) item table. */
  @Override
  public void buildItemTower(TowerGraph graph) {
    exportTable(graph, false);
  }

  private void exportTable(TowerGraph graph, boolean ofUsers) {
    try (NDManager m = manager.newSubManager()) {
      int n = ofUsers ? users.rows() : items.rows();
      NDArray ids = m.arange(0, n, 1, DataType.INT64);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray table = ofUsers ? encodeUsers(ps, ids, null, false) : encodeItems(ps, ids, false);
      String name = ofUsers ? "propagated_user_embedding" : "propagated_item_embedding";
      TowerGraph.Value out =
          graph.gather(
              graph.weights(name, table),
              graph.idInput(ofUsers ? TowerGraph.USER_ID : TowerGraph.ITEM_ID));
      graph.output(
          ofUsers ? TowerGraph.USER_EMBEDDING : TowerGraph.ITEM_EMBEDDING, out, dimension());
    }
  }
}
