package io.cbns.samplers.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.cbns.core.RunDirectory;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.DatasetInfo;
import io.cbns.core.train.StepInfo;
import io.cbns.core.train.TrainingInfo;
import io.cbns.core.train.TrainingSummary;
import io.cbns.samplers.TestingItemTable;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestFeatureDriftMonitor {
  private static final int ITEMS = 6;
  private static final int D = 3;

  @TempDir Path dir;

  private static TrainingInfo info(TestingItemTable items) {
    DatasetInfo dataset = new DatasetInfo("test", "memory", 4, ITEMS, 100, 10, "0");
    return new TrainingInfo(dataset, 1, 100, 8, D, items.inferenceEncoder());
  }

  /** table = base + t * direction, the state after t optimizer steps. */
  private static void setState(TestingItemTable items, float[] base, float[] direction, int t) {
    float[] v = new float[base.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = base[i] + t * direction[i];
    }
    items.table().set(FloatBuffer.wrap(v));
  }

  @Test
  void writesTheDriftOfEveryLagInSteps() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      TestingItemTable items = TestingItemTable.random(m, ITEMS, D, 1);
      float[] base = items.table().toFloatArray();
      float[] direction = TestingItemTable.randomMatrix(m, ITEMS, D, 2).toFloatArray();
      FeatureDriftMonitor monitor =
          FeatureDriftMonitor.builder()
              .setRunDirectory(dir.resolve("run"))
              .optEvery(2)
              .optLags(List.of(1, 3))
              .optFlushEvery(100)
              .optManager(m)
              .build();
      monitor.onTrainingBegin(info(items));
      assertThat(monitor.probeIds()).containsExactly(0, 1, 2, 3, 4, 5);
      for (int s = 0; s < 10; s++) {
        setState(items, base, direction, s + 1);
        monitor.onStep(new StepInfo(s, 0, s, 1.0, 8, 1));
        assertThat(monitor.snapshotsHeld()).isLessThanOrEqualTo(3);
      }
      // nothing flushed yet but the header
      assertThat(DriftCsv.read(monitor.file())).isEmpty();
      monitor.onTrainingEnd(new TrainingSummary(1, 10, 1, 1, Optional.empty(), "completed", 1));

      List<DriftRecord> rows = DriftCsv.read(dir.resolve("run").resolve(RunDirectory.DRIFT_FILE));
      // measurements at steps 0, 2, ..., 10: lag 1 (dt 2) from step 2, lag 3 (dt 6) from step 6
      assertThat(rows)
          .extracting(r -> r.step() + "/" + r.dt())
          .containsExactly("2/2", "4/2", "6/2", "6/6", "8/2", "8/6", "10/2", "10/6");
      for (DriftRecord r : rows) {
        double drift = 0;
        double relative = 0;
        for (int i = 0; i < ITEMS; i++) {
          double dist = 0;
          double norm = 0;
          for (int c = 0; c < D; c++) {
            double d = r.dt() * direction[i * D + c];
            double x = base[i * D + c] + r.step() * direction[i * D + c];
            dist += d * d;
            norm += x * x;
          }
          drift += Math.sqrt(dist);
          relative += Math.sqrt(dist) / Math.sqrt(norm);
        }
        assertThat(r.drift()).as("%s", r).isCloseTo(drift, within(1e-4 * drift));
        assertThat(r.meanRelativeDrift()).as("%s", r).isCloseTo(relative / ITEMS, within(1e-4));
      }
      assertThat(monitor.lastRecord()).isEqualTo(rows.get(rows.size() - 1));
    }
  }

  @Test
  void flushesPeriodicallyAndStartsAFreshFile() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      TestingItemTable items = TestingItemTable.random(m, ITEMS, D, 1);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(RunDirectory.DRIFT_FILE), "old content\n");
      try (FeatureDriftMonitor monitor =
          FeatureDriftMonitor.builder()
              .setRunDirectory(dir)
              .optEvery(1)
              .optLags(List.of(1))
              .optFlushEvery(1)
              .optProbeSize(4)
              .optSeed(3)
              .build()) {
        monitor.onTrainingBegin(info(items));
        assertThat(monitor.probeIds()).hasSize(4);
        for (int s = 0; s < 3; s++) {
          items.perturb(0.1, s);
          monitor.onStep(new StepInfo(s, 0, s, 1.0, 8, 1));
          assertThat(DriftCsv.read(monitor.file())).hasSize(s + 1);
        }
      }
    }
  }

  @Test
  void readsItsOptionsAndNamesBadKeys() {
    Options options =
        Options.of("drift", Map.of("every", 5, "probe-size", 10, "lags", List.of(1, 2)));
    FeatureDriftMonitor monitor = FeatureDriftMonitor.fromOptions(dir, 1, null, options);
    options.requireAllConsumed();
    assertThat(monitor.every()).isEqualTo(5);
    assertThat(monitor.lags()).containsExactly(1, 2);
    assertThatThrownBy(
            () ->
                FeatureDriftMonitor.fromOptions(
                    dir, 1, null, Options.of("drift", Map.of("every", 0))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("drift.every");
    assertThatThrownBy(
            () ->
                FeatureDriftMonitor.fromOptions(
                    dir, 1, null, Options.of("drift", Map.of("lags", List.of(1, -2)))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("drift.lags");
  }

  @Test
  void probeEncodingsDoNotLeakArrays() {
    try (NDManager m = NDManager.newBaseManager()) {
      TestingItemTable items = TestingItemTable.random(m, ITEMS, D, 1);
      NDArray unused = m.zeros(new Shape(1));
      try (FeatureDriftMonitor monitor =
          FeatureDriftMonitor.builder().setRunDirectory(dir).optEvery(1).optManager(m).build()) {
        monitor.onTrainingBegin(info(items));
        int before = m.getManagedArrays().size();
        for (int s = 0; s < 50; s++) {
          monitor.onStep(new StepInfo(s, 0, s, 1.0, 8, 1));
        }
        assertThat(m.getManagedArrays()).hasSize(before);
      }
      assertThat(unused.isReleased()).isFalse();
    }
  }
}
