package io.cbns.models;

import io.cbns.core.spi.CbnsPlugin;
import io.cbns.core.spi.TowerFactory;
import io.cbns.models.tower.FeaturesTowerFactory;
import io.cbns.models.tower.LightGcnFactory;
import io.cbns.models.tower.MatrixFactorizationFactory;
import io.cbns.models.tower.YoutubeDnnFactory;
import java.util.List;

/**
 * The towers of this module: {@code mf}, {@code lightgcn}, {@code youtube-dnn} and {@code
 * features}.
 */
public final class ModelsPlugin implements CbnsPlugin {
  @Override
  public String name() {
    return "cbns-models";
  }

  @Override
  public List<TowerFactory> towerFactories() {
    return List.of(
        new MatrixFactorizationFactory(),
        new LightGcnFactory(),
        new YoutubeDnnFactory(),
        new FeaturesTowerFactory());
  }
}
