package io.cbns.models.onnx;

import java.util.Map;

/**
 * A two-tower model that can write its towers as ONNX graphs. {@link OnnxExporter} calls each build
 * method with a fresh {@link TowerGraph}; the model declares its inputs, adds its parameters as
 * initializers and ends with exactly one {@link TowerGraph#output}.
 */
public interface OnnxExportable {
  /** The tower name ({@code mf}, {@code youtube-dnn}), written as {@code cbns.tower}. */
  String towerType();

  /** Whether both towers L2-normalise their outputs. */
  boolean normalize();

  /** The initialisation seed, the default of {@code cbns.seed}. */
  long seed();

  /**
   * Tower-specific facts (sizes, option values) written into both models' metadata, each key
   * prefixed with {@code cbns.}. Keys are lower-case snake_case.
   */
  Map<String, String> onnxMetadata();

  /** Builds the user tower: inputs {@code user_id} (and more), output {@code user_embedding}. */
  void buildUserTower(TowerGraph graph);

  /** Builds the item tower: input {@code item_id}, output {@code item_embedding}. */
  void buildItemTower(TowerGraph graph);
}
