package io.cbns.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.train.EpochInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestTrainRun {
  @Test
  void parsesItsOptionsAndKeepsTheOverridesInOrder() {
    TrainRun.Arguments a =
        TrainRun.Arguments.parse(
            new String[] {
              "--set",
              "a.b=1",
              "--warmup-steps",
              "7",
              "-s",
              "c=2",
              "--memory-every",
              "100",
              "--memory-gc",
              "true",
              "--profile-steps",
              "20"
            });
    assertThat(a.profileSteps()).isEqualTo(20);
    assertThat(a.warmupSteps()).isEqualTo(7);
    assertThat(a.memoryEvery()).isEqualTo(100);
    assertThat(a.memoryGc()).isTrue();
    assertThat(a.config()).isNull();
    assertThat(a.overrides()).containsExactly("a.b=1", "c=2");
    assertThat(TrainRun.Arguments.parse(new String[0]))
        .isEqualTo(new TrainRun.Arguments(50, 500, false, 0, null, List.of()));
  }

  @Test
  void rejectsBadOptions() {
    assertThatThrownBy(() -> TrainRun.Arguments.parse(new String[] {"--steps", "3"}))
        .hasMessageContaining("unknown option --steps");
    assertThatThrownBy(() -> TrainRun.Arguments.parse(new String[] {"--set"}))
        .hasMessageContaining("a value is missing");
    assertThatThrownBy(() -> TrainRun.Arguments.parse(new String[] {"--warmup-steps", "x"}))
        .hasMessageContaining("not a number: x");
    assertThatThrownBy(() -> TrainRun.Arguments.parse(new String[] {"--memory-gc", "yes"}))
        .hasMessageContaining("expected true or false, got yes");
    assertThatThrownBy(() -> TrainRun.Arguments.parse(new String[] {"--memory-every", "0"}))
        .hasMessageContaining("must be >= 1");
    assertThatThrownBy(() -> TrainRun.Arguments.parse(new String[] {"--profile-steps", "-1"}))
        .hasMessageContaining("--profile-steps must be >= 0");
  }

  @Test
  void theReportHoldsTimingEpochsAndMemory() {
    StepTimes steps = new StepTimes();
    MemorySampler memory = new MemorySampler(2, false);
    for (int i = 0; i < 4; i++) {
      steps.add(1_000_000L * (i + 1), 10);
      memory.onStep(new io.cbns.core.train.StepInfo(i, 0, i, 1, 10, 1));
    }
    Map<String, Object> r =
        TrainRun.report(
            Path.of("runs/x"),
            2,
            steps,
            memory,
            List.of(new EpochInfo(0, 4, 1.5, 2.0, 0.01, 40)),
            List.of());
    String json = TrainRun.toJson(r);
    assertThat(json)
        .startsWith(
            "{\"run_dir\":\"runs/x\",\"steps\":4,\"warmup_steps\":2,\"timed\":{\"steps\":2,")
        .contains("\"interactions_per_s\":2857.14")
        .contains("\"epochs\":[{\"epoch\":1,\"steps\":4,\"train_s\":2.0,\"wait_s\":0.01")
        .contains("\"memory\":[{\"steps\":2,");
  }
}
