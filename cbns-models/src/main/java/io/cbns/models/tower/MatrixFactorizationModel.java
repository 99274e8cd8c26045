package io.cbns.models.tower;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.cbns.core.model.TowerContext;
import io.cbns.models.onnx.TowerGraph;
import java.util.Locale;
import java.util.Map;

/**
 * Matrix factorisation as a two-tower model: the user tower is a user id embedding {@code
 * [numUsers, d]}, the item tower an item id embedding {@code [numItems, d]}; outputs are
 * L2-normalised when the context asks for it. Tower name {@code mf}.
 *
 * <p>Parameters: {@code user_embedding}, {@code item_embedding}, both from {@code N(0, initStd^2)}
 * with the context's seed. See {@link TwoTowerBlock} for ownership and thread-safety.
 */
public final class MatrixFactorizationModel extends TwoTowerBlock {
  /** The tower name used in configurations and ONNX metadata. */
  public static final String NAME = "mf";

  private final EmbeddingTable users;
  private final EmbeddingTable items;
  private final double initStd;

  private MatrixFactorizationModel(TowerContext ctx, double initStd) {
    super(ctx);
    this.initStd = initStd;
    this.users =
        EmbeddingTable.create(
            this, "user_embedding", ctx.numUsers(), ctx.dimension(), ctx.seed(), initStd);
    this.items =
        EmbeddingTable.create(
            this, "item_embedding", ctx.numItems(), ctx.dimension(), ctx.seed(), initStd);
    finishInitialization();
  }

  /**
   * Creates an initialised model.
   *
   * @param ctx sizes, dimension, normalisation, seed and the parent manager
   * @param initStd standard deviation of the initial embeddings, positive and finite
   */
  public static MatrixFactorizationModel create(TowerContext ctx, double initStd) {
    if (!(initStd > 0) || Double.isInfinite(initStd)) {
      throw new IllegalArgumentException("initStd must be positive and finite: " + initStd);
    }
    return new MatrixFactorizationModel(ctx, initStd);
  }

  @Override
  public NDArray encodeUsers(
      ParameterStore ps, NDArray userIds, NDArray targetItemIds, boolean training) {
    return maybeNormalize(users.lookup(ps, userIds, training));
  }

  @Override
  public NDArray encodeItems(ParameterStore ps, NDArray itemIds, boolean training) {
    return maybeNormalize(items.lookup(ps, itemIds, training));
  }

  @Override
  protected String descriptor() {
    return String.format(
        Locale.ROOT, "%s users=%d items=%d d=%d", NAME, users.rows(), items.rows(), dimension());
  }

  @Override
  public String towerType() {
    return NAME;
  }

  @Override
  public Map<String, String> onnxMetadata() {
    return Map.of(
        "num_users", String.valueOf(users.rows()),
        "num_items", String.valueOf(items.rows()),
        "init_std", String.valueOf(initStd));
  }

  @Override
  public void buildUserTower(TowerGraph graph) {
    TowerGraph.Value ids = graph.idInput(TowerGraph.USER_ID);
    TowerGraph.Value out = graph.gather(users.export(graph), ids);
    graph.output(
        TowerGraph.USER_EMBEDDING, normalize() ? graph.l2Normalize(out) : out, dimension());
  }

  @Override
  public void buildItemTower(TowerGraph graph) {
    TowerGraph.Value ids = graph.idInput(TowerGraph.ITEM_ID);
    TowerGraph.Value out = graph.gather(items.export(graph), ids);
    graph.output(
        TowerGraph.ITEM_EMBEDDING, normalize() ? graph.l2Normalize(out) : out, dimension());
  }
}
