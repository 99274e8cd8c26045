package io.cbns.models.onnx;

import static java.util.Objects.requireNonNull;

import io.cbns.core.model.FixedEmbeddings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ONNX towers of a model made of fixed tables ({@link FixedEmbeddings}: smoothed towers, or
 * embeddings computed elsewhere): each tower gathers its id's row from its table, a constant of the
 * graph. The rows are not normalised again (smoothed vectors are not unit vectors).
 */
final class FixedTablesExport implements OnnxExportable {
  /** The {@code cbns.tower} of the exported files. */
  static final String TOWER_TYPE = "fixed-tables";

  private final FixedEmbeddings model;

  FixedTablesExport(FixedEmbeddings model) {
    this.model = requireNonNull(model, "model is null");
  }

  @Override
  public String towerType() {
    return TOWER_TYPE;
  }

  @Override
  public boolean normalize() {
    return false;
  }

  @Override
  public long seed() {
    return 0;
  }

  @Override
  public Map<String, String> onnxMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("num_users", String.valueOf(model.numUsers()));
    m.put("num_items", String.valueOf(model.numItems()));
    return m;
  }

  @Override
  public void buildUserTower(TowerGraph graph) {
    build(graph, model.users(), TowerGraph.USER_ID, TowerGraph.USER_EMBEDDING, "user_table");
  }

  @Override
  public void buildItemTower(TowerGraph graph) {
    build(graph, model.items(), TowerGraph.ITEM_ID, TowerGraph.ITEM_EMBEDDING, "item_table");
  }

  private void build(TowerGraph graph, float[] table, String input, String output, String name) {
    int d = model.dimension();
    TowerGraph.Value rows = graph.table(name, table, table.length / d, d);
    graph.output(output, graph.gather(rows, graph.idInput(input)), d);
  }
}
