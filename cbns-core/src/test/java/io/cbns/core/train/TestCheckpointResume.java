package io.cbns.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import io.cbns.core.checkpoint.CheckpointFile;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.optim.LazyAdam;
import io.cbns.core.optim.LearningRateSchedule;
import io.cbns.core.optim.Sgd;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestCheckpointResume {
  private static final NegativeSampler IN_BATCH =
      new NegativeSampler() {
        @Override
        public Candidates candidates(StepContext ctx, StepBatch batch, NDArray v) {
          return new Candidates(v, batch.itemLogQ(), batch.itemIds(), true);
        }
      };

  /** A frequency estimator with state: how many times each item was observed. */
  private static final class CountingFrequency implements FrequencyEstimator {
    final long[] counts = new long[60];

    @Override
    public void logQ(long[] itemIds, float[] out) {
      for (int i = 0; i < itemIds.length; i++) {
        out[i] = (float) Math.log((counts[(int) itemIds[i]] + 1.0) / 1000);
      }
    }

    @Override
    public void observe(long step, long[] itemIds) {
      for (long id : itemIds) {
        counts[(int) id]++;
      }
    }

    @Override
    public void saveState(java.io.DataOutputStream out) throws IOException {
      io.cbns.core.checkpoint.StateIo.writeLongs(out, counts);
    }

    @Override
    public void loadState(java.io.DataInputStream in) throws IOException {
      long[] c = io.cbns.core.checkpoint.StateIo.readLongs(in, counts.length, "counts");
      System.arraycopy(c, 0, counts, 0, c.length);
    }
  }

  private record Outcome(float[] parameters, List<Double> epochLosses, TrainingSummary summary) {}

  private static Outcome train(
      Path checkpoint, boolean resume, BooleanSupplier stop, List<Double> losses) {
    return train(checkpoint, resume, stop, losses, List.of());
  }

  private static Outcome train(
      Path checkpoint,
      boolean resume,
      BooleanSupplier stop,
      List<Double> losses,
      List<ai.djl.Device> devices) {
    TestingDataset data = new TestingDataset(120, 60, 6);
    try (NDManager root = NDManager.newBaseManager();
        TestingMfModel model = new TestingMfModel(root, 120, 60, 16)) {
      Trainer.Builder b =
          Trainer.builder()
              .setModel(model)
              .setDataset(data)
              .setSampler(IN_BATCH)
              .setFrequencyEstimator(new CountingFrequency())
              .setOptimizer(
                  LazyAdam.builder()
                      .optLearningRateTracker(
                          new LearningRateSchedule(
                              LearningRateSchedule.Kind.COSINE, 0.05, 5, 1, 1, 0.001, 40))
                      .build())
              .setConfig(new TrainingConfig(4, 32, false, 0, 3, 1, 0, 0))
              .setManager(root)
              .optLoss(new LossConfig(0.5, true, true))
              .optEvaluator(new FullRankingEvaluator(List.of(5), 50))
              .optStopRequest(stop)
              .optDevices(devices)
              .addListener(
                  new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochInfo e) {
                      losses.add(e.meanLoss());
                    }
                  });
      if (checkpoint != null) {
        b.optCheckpointing(new Checkpointing(checkpoint, 3, "config-a", resume));
      }
      TrainingSummary s = b.build().fit();
      float[] params = model.block().getParameters().valueAt(0).getArray().toFloatArray().clone();
      float[] items = model.block().getParameters().valueAt(1).getArray().toFloatArray();
      float[] all = Arrays.copyOf(params, params.length + items.length);
      System.arraycopy(items, 0, all, params.length, items.length);
      return new Outcome(all, losses, s);
    }
  }

  @Test
  void aRunStoppedMidEpochAndResumedEndsWhereAnUninterruptedRunEnds(@TempDir Path dir) {
    stoppedAndResumed(dir, List.of());
  }

  /** Over two replicas the resumed run copies the restored model into the replica again. */
  @Test
  void aDataParallelRunStoppedAndResumedEndsWhereAnUninterruptedRunEnds(@TempDir Path dir) {
    stoppedAndResumed(dir, List.of(ai.djl.Device.cpu(), ai.djl.Device.cpu()));
  }

  private static void stoppedAndResumed(Path dir, List<ai.djl.Device> devices) {
    Outcome straight = train(null, false, () -> false, new ArrayList<>(), devices);
    Path file = dir.resolve(RunDirectory.CHECKPOINT_FILE);
    int[] steps = {0};
    List<Double> losses = new ArrayList<>();
    // stop in the middle of the second epoch, between two checkpoints (every 3 steps)
    long spe = Trainer.stepsPerEpoch(new TestingDataset(120, 60, 6).info().numTrain(), 32, false);
    long stopAt = spe + spe / 2;
    assertThatThrownBy(() -> train(file, false, () -> ++steps[0] == stopAt, losses, devices))
        .isInstanceOf(TrainingInterruptedException.class)
        .hasMessageContaining("after step " + stopAt)
        .hasMessageContaining("continue with: ./cbns train --resume " + dir.toAbsolutePath());
    assertThat(file).exists();
    assertThat(losses).hasSize(1);
    Outcome resumed = train(file, true, () -> false, losses, devices);

    assertThat(resumed.summary().steps()).isEqualTo(straight.summary().steps());
    assertThat(resumed.summary().epochs()).isEqualTo(4);
    // same thread count, same operations, MKL_CBWR=AUTO (set by the build): bit-identical
    assertThat(resumed.parameters()).containsExactly(straight.parameters());
    assertThat(resumed.epochLosses()).containsExactlyElementsOf(straight.epochLosses());
    assertThat(resumed.summary().finalEvaluation().orElseThrow().model().recallAt(5))
        .isEqualTo(straight.summary().finalEvaluation().orElseThrow().model().recallAt(5));
  }

  @Test
  void aDamagedOrForeignCheckpointIsRejectedBeforeAnythingChanges(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve(RunDirectory.CHECKPOINT_FILE);
    int[] steps = {0};
    assertThatThrownBy(() -> train(file, false, () -> ++steps[0] == 10, new ArrayList<>()))
        .isInstanceOf(TrainingInterruptedException.class);
    byte[] good = Files.readAllBytes(file);

    assertThatThrownBy(() -> CheckpointFile.read(file, "config-b"))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("another configuration");

    Files.write(file, Arrays.copyOf(good, good.length / 2));
    Path runDir = file.toAbsolutePath().getParent();
    assertThatThrownBy(() -> train(file, true, () -> false, new ArrayList<>()))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("unusable")
        // how to start over, in a run directory whose name is not taken
        .hasMessageContaining(
            "start the run over in a new run directory: ./cbns train --config "
                + runDir.resolve("config.yaml")
                + " --set run.name=NEW_NAME (or remove "
                + runDir
                + " and repeat the original command)");

    byte[] flipped = good.clone();
    flipped[flipped.length / 2] ^= 0x10;
    Files.write(file, flipped);
    assertThatThrownBy(() -> CheckpointFile.read(file, "config-a"))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("checksum");

    Files.delete(file);
    assertThatThrownBy(() -> train(file, true, () -> false, new ArrayList<>()))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("no checkpoint at " + file);
  }

  @Test
  void aNonFiniteGradientStopsTrainingBeforeTheUpdateAndKeepsTheCheckpoint(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve(RunDirectory.CHECKPOINT_FILE);
    // the loss stays finite, but d sqrt(u)/du at u = 0 is infinite: the gradient is not
    NegativeSampler poisoned =
        new NegativeSampler() {
          @Override
          public Candidates candidates(StepContext ctx, StepBatch batch, NDArray v) {
            NDArray out = ctx.step() < 7 ? v : v.add(v.sub(v).sqrt());
            return new Candidates(out, batch.itemLogQ(), batch.itemIds(), true);
          }
        };
    TestingDataset data = new TestingDataset(120, 60, 6);
    try (NDManager root = NDManager.newBaseManager();
        TestingMfModel model = new TestingMfModel(root, 120, 60, 16)) {
      Trainer trainer =
          Trainer.builder()
              .setModel(model)
              .setDataset(data)
              .setSampler(poisoned)
              .setFrequencyEstimator((ids, out) -> Arrays.fill(out, -3f))
              .setOptimizer(LazyAdam.builder().build())
              .setConfig(new TrainingConfig(2, 32, false, 0, 3, 0, 0, 0))
              .setManager(root)
              .optCheckpointing(new Checkpointing(file, 5, "c", false))
              .build();
      assertThatThrownBy(trainer::fit)
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("gradient of")
          .hasMessageContaining("non-finite at step 7")
          .hasMessageContaining("learning-rate");
      for (var p : model.block().getParameters()) {
        float[] values = p.getValue().getArray().toFloatArray();
        for (float v : values) {
          assertThat(Float.isFinite(v)).as(p.getKey()).isTrue();
        }
      }
    }
    // the checkpoint of step 5 is intact and loadable
    assertThat(CheckpointFile.read(file, "c").has("parameters")).isTrue();
  }

  @Test
  void theBestValidationEpochIsRestoredBeforeTheTest() {
    // validation = test here, so the restored parameters must score the best validation score
    TestingDataset base = new TestingDataset(120, 60, 6);
    var data =
        new io.cbns.core.data.InteractionDataset() {
          @Override
          public io.cbns.core.data.DatasetInfo info() {
            return base.info();
          }

          @Override
          public CsrMatrix trainByUser() {
            return base.trainByUser();
          }

          @Override
          public CsrMatrix testByUser() {
            return base.testByUser();
          }

          @Override
          public Optional<CsrMatrix> validationByUser() {
            return Optional.of(base.testByUser());
          }

          @Override
          public long[] itemTrainCounts() {
            return base.itemTrainCounts();
          }

          @Override
          public io.cbns.core.data.BatchIterator trainBatches(
              io.cbns.core.data.BatchSpec spec, int epoch) {
            return base.trainBatches(spec, epoch);
          }

          @Override
          public void close() {}
        };
    List<EvaluationInfo> validations = new ArrayList<>();
    try (NDManager root = NDManager.newBaseManager();
        TestingMfModel model = new TestingMfModel(root, 120, 60, 16)) {
      TrainingSummary s =
          Trainer.builder()
              .setModel(model)
              .setDataset(data)
              .setSampler(IN_BATCH)
              .setFrequencyEstimator((ids, out) -> Arrays.fill(out, -3f))
              // a rate this high overshoots: the last epoch is not the best one
              .setOptimizer(
                  Sgd.builder().optLearningRateTracker(LearningRateSchedule.constant(3)).build())
              .setConfig(new TrainingConfig(8, 16, false, 0, 5, 1, 0, 0))
              .setManager(root)
              .optLoss(new LossConfig(0.5, false, true))
              .optEvaluator(new FullRankingEvaluator(List.of(5), 50))
              .addListener(
                  new TrainingListener() {
                    @Override
                    public void onEvaluation(EvaluationInfo ev) {
                      if (ev.split().equals("validation")) {
                        validations.add(ev);
                      }
                    }
                  })
              .build()
              .fit();
      assertThat(validations).hasSize(8);
      EvaluationInfo best = validations.get(0);
      for (EvaluationInfo ev : validations) {
        if (ev.model().recallAt(5) > best.model().recallAt(5)) {
          best = ev;
        }
      }
      assertThat(s.selectedEpoch()).isEqualTo(best.epoch());
      EvaluationInfo test = s.finalEvaluation().orElseThrow();
      assertThat(test.epoch()).isEqualTo(best.epoch());
      assertThat(test.model().recallAt(5)).isEqualTo(best.model().recallAt(5));
    }
  }
}
