package io.cbns.runner;

import ai.djl.ndarray.NDManager;
import io.cbns.core.data.DatasetInfo;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.spi.TowerFactory;
import io.cbns.runner.config.RunConfig;

/**
 * Builds a run's towers from its configuration and dataset. Training and reopening a trained run
 * ({@link io.cbns.runner.serving.TrainedRun}) both build them here, so that the parameters saved by
 * one always fit the towers built by the other.
 */
public final class Towers {
  private Towers() {}

  /**
   * The towers {@code factory} makes for {@code config} on {@code dataset}, with parameters in
   * {@code manager} (freshly initialised from the run seed).
   */
  public static TwoTowerModel create(
      TowerFactory factory, RunConfig config, InteractionDataset dataset, NDManager manager) {
    DatasetInfo info = dataset.info();
    return factory.create(
        new TowerContext(
            info.numUsers(),
            info.numItems(),
            config.model().dimension(),
            config.model().normalize(),
            config.seed(),
            dataset.trainByUser(),
            dataset.itemFeatures(),
            dataset.userFeatures(),
            manager),
        config.model().options());
  }
}
