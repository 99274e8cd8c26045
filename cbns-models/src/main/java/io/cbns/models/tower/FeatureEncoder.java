package io.cbns.models.tower;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.cbns.core.data.FeatureTable;
import io.cbns.core.data.FeatureTable.CategoricalFeature;
import io.cbns.core.model.FeatureInputs;
import io.cbns.models.onnx.TowerGraph;
import java.util.ArrayList;
import java.util.List;

/**
 * The content part of a features tower: for a batch of rows of a {@link FeatureTable}, the
 * concatenation of the masked mean of each categorical feature's id embeddings ({@code [n, e]}
 * each; zero for a row without ids) and the dense features ({@code [n, W]}), width {@link
 * #width()}. Padded inputs are built on the host per batch, to the longest row of the batch.
 *
 * <p>Parameters: {@code <side>_feature_<k>_embedding [vocabularySize_k, e]} per categorical feature
 * k, where the side is {@code item} or {@code user}.
 */
final class FeatureEncoder {
  private final String side;
  private final FeatureTable table;
  private final List<EmbeddingTable> embeddings = new ArrayList<>();
  private final int embeddingDim;

  FeatureEncoder(
      TwoTowerBlock owner,
      String side,
      FeatureTable table,
      int embeddingDim,
      long seed,
      double initStd) {
    this.side = side;
    this.table = table;
    this.embeddingDim = embeddingDim;
    List<CategoricalFeature> cats = table.categorical();
    for (int k = 0; k < cats.size(); k++) {
      embeddings.add(
          EmbeddingTable.create(
              owner,
              side + "_feature_" + k + "_embedding",
              cats.get(k).vocabularySize(),
              embeddingDim,
              seed,
              initStd));
    }
  }

  FeatureTable table() {
    return table;
  }

  /** Width of the encoding: {@code e} per categorical feature plus the dense width. */
  int width() {
    return embeddings.size() * embeddingDim + table.denseWidth();
  }

  /**
   * Encodes rows.
   *
   * @param rows the row ids (host), each in {@code [0, numRows)}
   * @param like an array whose manager and device the result uses
   * @return {@code float32 [rows.length, width()]} on the manager of {@code like}
   */
  NDArray encode(ParameterStore ps, long[] rows, NDArray like, boolean training) {
    NDManager m = like.getManager();
    int n = rows.length;
    List<NDArray> parts = new ArrayList<>();
    List<CategoricalFeature> cats = table.categorical();
    for (int k = 0; k < cats.size(); k++) {
      FeatureInputs.Padded p = FeatureInputs.pad(cats.get(k), rows);
      NDArray ids = m.create(p.ids(), new Shape(n, p.length())).toDevice(like.getDevice(), false);
      NDArray weights =
          m.create(p.meanWeights(), new Shape(n, 1, p.length())).toDevice(like.getDevice(), false);
      NDArray embedded = embeddings.get(k).lookup(ps, ids, training); // [n, L, e]
      parts.add(weights.batchMatMul(embedded).reshape(n, embeddingDim));
    }
    if (!table.dense().isEmpty()) {
      parts.add(
          m.create(FeatureInputs.dense(table, rows), new Shape(n, table.denseWidth()))
              .toDevice(like.getDevice(), false));
    }
    NDArray x = parts.get(0);
    for (int i = 1; i < parts.size(); i++) {
      x = x.concat(parts.get(i), 1);
    }
    return x;
  }

  /** The same computation over the inputs {@link FeatureInputs#names} declares. */
  TowerGraph.Value export(TowerGraph graph) {
    List<CategoricalFeature> cats = table.categorical();
    TowerGraph.Value x = null;
    for (int k = 0; k < cats.size(); k++) {
      String name = FeatureInputs.categoricalInput(side, cats.get(k));
      TowerGraph.Value ids = graph.paddedIdsInput(name, name + "_length");
      TowerGraph.Value mask =
          graph.paddedMaskInput(name + FeatureInputs.MASK_SUFFIX, name + "_length");
      TowerGraph.Value pooled =
          graph.maskedMean(graph.gather(embeddings.get(k).export(graph), ids), mask);
      x = x == null ? pooled : graph.concat(x, pooled);
    }
    if (!table.dense().isEmpty()) {
      TowerGraph.Value dense =
          graph.floatMatrixInput(FeatureInputs.denseInput(side), table.denseWidth());
      x = x == null ? dense : graph.concat(x, dense);
    }
    return x;
  }
}
