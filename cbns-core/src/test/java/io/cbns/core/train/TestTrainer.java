package io.cbns.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.Tracker;
import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.optim.CheckpointableOptimizer;
import io.cbns.core.optim.LazyAdam;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TestTrainer {
  private static final NegativeSampler IN_BATCH =
      new NegativeSampler() {
        @Override
        public Candidates candidates(StepContext ctx, StepBatch batch, NDArray v) {
          return new Candidates(v, batch.itemLogQ(), batch.itemIds(), true);
        }
      };
  private static final FrequencyEstimator UNIFORM = (ids, out) -> java.util.Arrays.fill(out, -3f);

  @Test
  void learnsTheClustersAndKeepsNativeMemoryFlat() {
    learnsAndStaysFlat(
        LazyAdam.builder().optDense(true).optLearningRateTracker(Tracker.fixed(0.05f)).build());
  }

  @Test
  void learnsTheClustersAndKeepsNativeMemoryFlatWithLazyAdam() {
    learnsAndStaysFlat(LazyAdam.builder().optLearningRateTracker(Tracker.fixed(0.05f)).build());
  }

  @Test
  void learnsTheClustersAndKeepsNativeMemoryFlatOverTwoReplicas() {
    learnsAndStaysFlat(
        LazyAdam.builder().optLearningRateTracker(Tracker.fixed(0.05f)).build(),
        List.of(ai.djl.Device.cpu(), ai.djl.Device.cpu()));
  }

  private void learnsAndStaysFlat(CheckpointableOptimizer optimizer) {
    learnsAndStaysFlat(optimizer, List.of());
  }

  private void learnsAndStaysFlat(CheckpointableOptimizer optimizer, List<ai.djl.Device> devices) {
    TestingDataset data = new TestingDataset(120, 60, 6);
    List<Integer> arraysAfterEpoch = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    try (NDManager root = NDManager.newBaseManager();
        TestingMfModel model = new TestingMfModel(root, 120, 60, 16)) {
      TrainingSummary s =
          Trainer.builder()
              .setModel(model)
              .setDataset(data)
              .setSampler(IN_BATCH)
              .setFrequencyEstimator(UNIFORM)
              .setOptimizer(optimizer)
              .setConfig(new TrainingConfig(12, 32, false, 0, 1, 0, 0, 0))
              .setManager(root)
              .optLoss(new LossConfig(0.5, false, true))
              .optEvaluator(new FullRankingEvaluator(List.of(5), 50))
              .optDevices(devices)
              .addListener(
                  new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochInfo e) {
                      losses.add(e.meanLoss());
                      arraysAfterEpoch.add(countArrays(root));
                    }
                  })
              .build()
              .fit();
      assertThat(s.epochs()).isEqualTo(12);
      assertThat(s.stopReason()).isEqualTo("completed");
      EvaluationInfo ev = s.finalEvaluation().orElseThrow();
      assertThat(ev.model().recallAt(5)).isGreaterThan(2 * ev.mostPopular().recallAt(5));
      assertThat(losses.get(11)).isLessThan(losses.get(0));
      // the Adam state is created on the first step; after that nothing may accumulate
      assertThat(arraysAfterEpoch.subList(1, 12)).containsOnly(arraysAfterEpoch.get(1));
    }
  }

  @Test
  void cosineScoresTrainRawTowersAndMonitorsSeeTheUnitVectors() {
    // loss.cosine: the towers stay raw (evaluation ranks their dot products), monitors see the
    // unit vectors the step scores, and the model learns
    long[] probe = {0, 7, 21, 59};
    float[][] monitored = new float[2][];
    try (NDManager root = NDManager.newBaseManager();
        TestingMfModel model = new TestingMfModel(root, 120, 60, 16)) {
      TrainingSummary s =
          Trainer.builder()
              .setModel(model)
              .setDataset(new TestingDataset(120, 60, 6))
              .setSampler(IN_BATCH)
              .setFrequencyEstimator(UNIFORM)
              .setOptimizer(LazyAdam.builder().optLearningRateTracker(Tracker.fixed(0.05f)).build())
              .setConfig(new TrainingConfig(12, 32, false, 0, 1, 0, 0, 0))
              .setManager(root)
              .optLoss(new LossConfig(0.2, false, true, 1.0, 1.0, 0, 0, false, false, true))
              .optEvaluator(new FullRankingEvaluator(List.of(5), 50))
              .addListener(
                  new TrainingListener() {
                    @Override
                    public void onTrainingBegin(TrainingInfo info) {
                      try (NDManager m = root.newSubManager()) {
                        monitored[0] =
                            info.itemEncoder().encode(m, probe).norm(new int[] {1}).toFloatArray();
                        monitored[1] =
                            model
                                .encodeItems(
                                    new ai.djl.training.ParameterStore(m, false),
                                    m.create(probe),
                                    false)
                                .norm(new int[] {1})
                                .toFloatArray();
                      }
                    }
                  })
              .build()
              .fit();
      EvaluationInfo ev = s.finalEvaluation().orElseThrow();
      assertThat(ev.model().recallAt(5)).isGreaterThan(2 * ev.mostPopular().recallAt(5));
    }
    for (int i = 0; i < probe.length; i++) {
      assertThat(monitored[0][i]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
      // the testing tables start with entries in [-0.1, 0.1): far from unit rows
      assertThat(monitored[1][i]).isLessThan(0.5f);
    }
  }

  @Test
  void rowSparseGradientsGiveWhatDenseGradientsGive() {
    float[][] results = new float[2][];
    List<List<Double>> losses = List.of(new ArrayList<>(), new ArrayList<>());
    for (int run = 0; run < 2; run++) {
      boolean sparse = run == 1;
      try (NDManager root = NDManager.newBaseManager();
          TestingMfModel model = new TestingMfModel(root, 120, 60, 16)) {
        Trainer.builder()
            .setModel(model)
            .setDataset(new TestingDataset(120, 60, 6))
            .setSampler(IN_BATCH)
            .setFrequencyEstimator(UNIFORM)
            .setOptimizer(LazyAdam.builder().optLearningRateTracker(Tracker.fixed(0.05f)).build())
            .setConfig(new TrainingConfig(3, 32, false, 0, 1, 0, 0, 0))
            .setManager(root)
            .optLoss(new LossConfig(0.5, false, true))
            .optRowSparse(sparse)
            .addListener(
                new TrainingListener() {
                  @Override
                  public void onStep(StepInfo st) {
                    losses.get(sparse ? 1 : 0).add(st.loss());
                  }
                })
            .build()
            .fit();
        results[run] = model.block().getParameters().valueAt(1).getArray().toFloatArray();
      }
    }
    // the same rows get the same Adam updates; only the order of float additions differs
    for (int i = 0; i < results[0].length; i++) {
      assertThat(results[1][i])
          .isCloseTo(results[0][i], org.assertj.core.data.Offset.offset(1e-4f));
    }
    for (int i = 0; i < losses.get(0).size(); i++) {
      assertThat(losses.get(1).get(i))
          .isCloseTo(losses.get(0).get(i), org.assertj.core.data.Offset.offset(1e-4));
    }
    assertThat(losses.get(1)).hasSize(losses.get(0).size()).isNotEmpty();
  }

  @Test
  void nonFiniteLossStopsWithTheStepAndTheUsualCauses() {
    TestingDataset data = new TestingDataset(30, 12, 3);
    FrequencyEstimator broken = (ids, out) -> java.util.Arrays.fill(out, Float.NaN);
    try (NDManager root = NDManager.newBaseManager();
        TestingMfModel model = new TestingMfModel(root, 30, 12, 4)) {
      Trainer t =
          Trainer.builder()
              .setModel(model)
              .setDataset(data)
              .setSampler(IN_BATCH)
              .setFrequencyEstimator(broken)
              .setOptimizer(LazyAdam.builder().build())
              .setConfig(new TrainingConfig(1, 8, false, 0, 1, 0, 0, 0))
              .setManager(root)
              .build();
      assertThatThrownBy(t::fit)
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("at step 0")
          .hasMessageContaining("learning-rate");
    }
  }

  @Test
  void theTestSplitExcludesTheValidationPairsToo() {
    TestingDataset base = new TestingDataset(120, 60, 6);
    // validation: the cluster items of each user in neither train nor test, which the model ranks
    // high, as a split carved from the train file would be
    List<int[]> held = new ArrayList<>();
    for (int u = 0; u < 120; u++) {
      for (int item = (u % 6) * 10; item < (u % 6) * 10 + 10; item++) {
        if (!base.trainByUser().contains(u, item) && !base.testByUser().contains(u, item)) {
          held.add(new int[] {u, item});
        }
      }
    }
    CsrMatrix validation =
        CsrMatrix.fromPairs(
            120,
            60,
            held.stream().mapToInt(p -> p[0]).toArray(),
            held.stream().mapToInt(p -> p[1]).toArray());
    InteractionDataset data = base.withValidation(validation);
    FullRankingEvaluator evaluator = new FullRankingEvaluator(List.of(5), 50);
    try (NDManager root = NDManager.newBaseManager();
        TestingMfModel model = new TestingMfModel(root, 120, 60, 16)) {
      TrainingSummary s =
          Trainer.builder()
              .setModel(model)
              .setDataset(data)
              .setSampler(IN_BATCH)
              .setFrequencyEstimator(UNIFORM)
              .setOptimizer(LazyAdam.builder().optLearningRateTracker(Tracker.fixed(0.05f)).build())
              .setConfig(new TrainingConfig(6, 32, false, 0, 1, 1, 0, 0))
              .setManager(root)
              .optLoss(new LossConfig(0.5, false, true))
              .optEvaluator(evaluator)
              .build()
              .fit();
      double test = s.finalEvaluation().orElseThrow().model().recallAt(5);
      CsrMatrix train = base.trainByUser();
      double wholeTrainFile =
          evaluator.evaluate(root, model, train.union(validation), base.testByUser()).recallAt(5);
      double trainOnly = evaluator.evaluate(root, model, train, base.testByUser()).recallAt(5);
      assertThat(test).isEqualTo(wholeTrainFile);
      assertThat(trainOnly).isLessThan(wholeTrainFile);
    }
  }

  /** Arrays held by the manager and its sub-managers (getManagedArrays recurses). */
  private static int countArrays(NDManager m) {
    return m.getManagedArrays().size();
  }
}
