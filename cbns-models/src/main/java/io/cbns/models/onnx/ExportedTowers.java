package io.cbns.models.onnx;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * Where {@link OnnxExporter#export} wrote the towers.
 *
 * @param userTower the user tower, {@code user_tower.onnx}
 * @param itemTower the item tower, {@code item_tower.onnx}
 */
public record ExportedTowers(Path userTower, Path itemTower) {
  public ExportedTowers {
    requireNonNull(userTower, "userTower is null");
    requireNonNull(itemTower, "itemTower is null");
  }
}
