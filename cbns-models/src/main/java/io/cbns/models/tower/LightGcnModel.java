package io.cbns.models.tower;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.cbns.core.model.TowerContext;
import io.cbns.models.onnx.TowerGraph;
import java.util.HashMap;
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
 * {@code K >= 2} every layer is propagated over the whole graph ({@code O(K x train edges x d)}) by
 * the engine's sparse product with the normalised adjacency, and the queried rows are gathered from
 * the propagated tables; {@link #encodeBatch} propagates once for both sides of a training batch.
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
  // per device, made on the first whole-graph layer (K >= 2): see adjacency(Device)
  private final Map<Device, NDArray[]> adjacency = new HashMap<>();

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

  /**
   * With {@code K >= 2}, the users and the items from one propagation of the whole graph: {@code
   * 2K} sparse products instead of the {@code 2(2K - 1)} of encoding each side on its own.
   */
  @Override
  public NDList encodeBatch(ParameterStore ps, NDArray userIds, NDArray itemIds, boolean training) {
    if (layers == 1) {
      return super.encodeBatch(ps, userIds, itemIds, training);
    }
    NDArray[] tables = propagated(ps, userIds, true, true, training);
    return new NDList(
        maybeNormalize(EmbeddingTable.rows(tables[0], userIds)),
        maybeNormalize(EmbeddingTable.rows(tables[1], itemIds)));
  }

  /** The mean of layers 0..K of the queried users or items, before normalisation. */
  private NDArray encode(ParameterStore ps, NDArray ids, boolean ofUsers, boolean training) {
    if (layers > 1) {
      return EmbeddingTable.rows(
          propagated(ps, ids, ofUsers, !ofUsers, training)[ofUsers ? 0 : 1], ids);
    }
    // one layer: only the batch's neighbours, looked up once each (row-sparse gradients under lazy
    // Adam), so a step reads the edges of its batch instead of the whole graph
    NDManager m = ids.getManager();
    InteractionGraph.Neighbourhood n = graph.neighbourhood(hostIds(ids), ofUsers);
    NDArray sum = (ofUsers ? users : items).lookup(ps, ids, training);
    if (n.columns().length > 0) {
      NDArray last =
          n.sum(
              m,
              (ofUsers ? items : users)
                  .lookup(ps, m.create(n.columns()).toDevice(ids.getDevice(), false), training));
      sum = sum.add(last);
    }
    // an engine-owned scalar, never a Java number, which DJL would free before the backward pass
    return sum.mul(m.full(new Shape(), 0.5f, DataType.FLOAT32));
  }

  /**
   * The whole user and item tables propagated over the graph, each the mean of its layers 0..K, on
   * the manager of {@code like} ({@code K >= 2}): layer k of one side is the sparse product of the
   * adjacency with layer k - 1 of the other. Only what the wanted sides need is computed ({@code 2K
   * - 1} products for one side, {@code 2K} for both); an unwanted side is null.
   */
  private NDArray[] propagated(
      ParameterStore ps, NDArray like, boolean wantUsers, boolean wantItems, boolean training) {
    NDManager m = like.getManager();
    NDArray user0 = users.value(ps, like.getDevice(), training);
    NDArray item0 = items.value(ps, like.getDevice(), training);
    NDArray user = user0;
    NDArray item = item0;
    NDArray userSum = null;
    NDArray itemSum = null;
    for (int k = 1; k <= layers; k++) {
      // user layer k feeds the user sum, and the item layer k + 1 while there is one
      boolean nextUserNeeded = wantUsers || k < layers;
      boolean nextItemNeeded = wantItems || k < layers;
      NDArray nextUser = nextUserNeeded ? propagateAll(m, item, true) : null;
      NDArray nextItem = nextItemNeeded ? propagateAll(m, user, false) : null;
      user = nextUser;
      item = nextItem;
      if (wantUsers) {
        userSum = userSum == null ? user : userSum.add(user);
      }
      if (wantItems) {
        itemSum = itemSum == null ? item : itemSum.add(item);
      }
    }
    // the sums are on m, the tables on the model's manager: the sums come first, so that the
    // results land on m; the scale is an engine-owned scalar (a Java number would be freed before
    // the backward pass)
    NDArray scale = m.full(new Shape(), 1f / (layers + 1), DataType.FLOAT32);
    return new NDArray[] {
      wantUsers ? userSum.add(user0).mul(scale) : null,
      wantItems ? itemSum.add(item0).mul(scale) : null
    };
  }

  /**
   * One layer over the whole graph, every user's (item's) weighted sum over its neighbours' rows:
   * the engine's sparse-dense product with the normalised adjacency. The result is moved to {@code
   * m}, the caller's manager: the product lands on the adjacency's, which lives as long as the
   * model.
   */
  private NDArray propagateAll(NDManager m, NDArray otherSide, boolean toUsers) {
    NDArray[] a = adjacency.computeIfAbsent(otherSide.getDevice(), this::adjacency);
    NDArray out = a[toUsers ? 0 : 1].matMul(otherSide);
    out.attach(m);
    return out;
  }

  /**
   * The normalised adjacency on {@code device} as two sparse matrices, {@code [users, items]} and
   * {@code [items, users]} (the transpose kept too, so that neither direction transposes a sparse
   * matrix at each call), on the model's manager.
   */
  private NDArray[] adjacency(Device device) {
    return new NDArray[] {sparse(device, true), sparse(device, false)};
  }

  private NDArray sparse(Device device, boolean ofUsers) {
    try (NDManager scratch = manager.newSubManager(device)) {
      // engine-owned copies: the sparse matrix keeps its coordinates and values, and an array made
      // from a Java array may sit over a Java buffer that DJL frees with its wrapper
      long edges = graph.edges();
      NDArray coordinates =
          scratch.create(graph.coordinates(ofUsers), new Shape(2, edges)).duplicate();
      NDArray values = scratch.create(graph.weights(ofUsers)).duplicate();
      NDArray a =
          JniUtils.createSparseCoo(
              (PtNDArray) coordinates,
              (PtNDArray) values,
              new Shape(graph.size(ofUsers), graph.size(!ofUsers)));
      a.attach(manager);
      return a;
    }
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
