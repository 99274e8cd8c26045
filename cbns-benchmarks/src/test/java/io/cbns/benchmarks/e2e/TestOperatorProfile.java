package io.cbns.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.cbns.core.train.StepInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestOperatorProfile {
  @TempDir Path dir;

  @Test
  void recordsTheOperatorsOfTheWindowOnly() throws Exception {
    OperatorProfile profile = new OperatorProfile(1, 1);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray a = m.ones(new Shape(4, 3));
      a.cumSum(0); // before the window: not recorded
      profile.onStep(step(0));
      a.matMul(a.transpose()); // in the window
      profile.onStep(step(1));
      a.argSort(); // after it
    }
    Path out = dir.resolve("profile.json");
    profile.write(out);
    String trace = Files.readString(out);
    assertThat(trace).contains("aten::mm").doesNotContain("aten::cumsum", "aten::sort");
  }

  @Test
  void withoutWarmUpTheWindowStartsWithTraining() throws Exception {
    OperatorProfile profile = new OperatorProfile(0, 1);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray a = m.ones(new Shape(4, 3));
      profile.onTrainingBegin(null); // the profile ignores the run's description
      a.matMul(a.transpose());
      profile.onStep(step(0));
      a.argSort();
    }
    Path out = dir.resolve("first.json");
    profile.write(out);
    assertThat(Files.readString(out)).contains("aten::mm").doesNotContain("aten::sort");
  }

  @Test
  void aWindowThatNeverBeganIsAnError() {
    OperatorProfile profile = new OperatorProfile(5, 2);
    profile.onStep(step(0));
    assertThatThrownBy(() -> profile.write(dir.resolve("p.json")))
        .hasMessageContaining("training ended after 1 steps")
        .hasMessageContaining("lower --warmup-steps");
  }

  private static StepInfo step(long i) {
    return new StepInfo(i, 0, i, 1.0, 8, 1_000);
  }
}
