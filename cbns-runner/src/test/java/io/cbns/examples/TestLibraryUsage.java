package io.cbns.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.Tracker;
import io.cbns.core.config.Options;
import io.cbns.core.data.DatasetContext;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.frequency.FrequencyContext;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.optim.LazyAdam;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.core.train.EvaluationInfo;
import io.cbns.core.train.Trainer;
import io.cbns.core.train.TrainingConfig;
import io.cbns.core.train.TrainingSummary;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of docs/library.md, compiled and run: training two towers from your own Java code,
 * without the CLI. Keep the two in sync.
 */
final class TestLibraryUsage {
  @TempDir Path cache;

  @Test
  void trainAndEvaluateFromJava() {
    // the plugins on the class path (cbns-samplers, cbns-models, cbns-data-arrow)
    PluginRegistry plugins = PluginRegistry.discover(getClass().getClassLoader());

    int batchSize = 256;
    try (InteractionDataset data =
            plugins
                .datasetSources()
                .get("synthetic")
                .open(
                    new DatasetContext(cache, 42),
                    Options.of(
                        "data", Map.of("users", 500, "items", 300, "interactions-per-user", 20)));
        NDManager manager = NDManager.newBaseManager();
        TwoTowerModel model =
            plugins
                .towers()
                .get("mf")
                .create(
                    new TowerContext(
                        data.info().numUsers(),
                        data.info().numItems(),
                        32,
                        true,
                        42,
                        data.trainByUser(),
                        manager),
                    Options.empty("model"));
        NegativeSampler sampler =
            plugins
                .samplers()
                .get("cross-batch")
                .create(
                    new SamplerContext(
                        data.info().numItems(),
                        32,
                        batchSize,
                        Trainer.stepsPerEpoch(data.info().numTrain(), batchSize, false),
                        43,
                        manager),
                    Options.of("sampler", Map.of("bank-size", 1024, "warmup-steps", 50)))) {
      FrequencyEstimator frequency =
          plugins
              .frequencyEstimators()
              .get("counts")
              .create(
                  new FrequencyContext(data.info().numItems(), data.itemTrainCounts(), batchSize),
                  Options.empty("frequency"));

      TrainingSummary summary =
          Trainer.builder()
              .setModel(model)
              .setDataset(data)
              .setSampler(sampler)
              .setFrequencyEstimator(frequency)
              .setOptimizer(LazyAdam.builder().optLearningRateTracker(Tracker.fixed(0.01f)).build())
              .setConfig(new TrainingConfig(5, batchSize, false, 2, 42, 0, 0, 0))
              .setManager(manager)
              .optLoss(new LossConfig(0.1, true, true))
              .optEvaluator(new FullRankingEvaluator(List.of(20), 1024))
              .build()
              .fit();

      EvaluationInfo test = summary.finalEvaluation().orElseThrow();
      assertThat(summary.epochs()).isEqualTo(5);
      assertThat(test.model().recallAt(20)).isGreaterThan(20.0 / 300);
    }
  }
}
