package io.cbns.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cbns.core.train.StepInfo;
import org.junit.jupiter.api.Test;

final class TestStepTimes {
  @Test
  void summarisesTheStepsAfterTheWarmUp() {
    StepTimes t = new StepTimes();
    t.add(1_000_000_000L, 100); // warm-up: left out
    for (int i = 1; i <= 10; i++) {
      t.add(i * 1_000_000L, 1000);
    }
    StepTimes.Summary s = t.summary(1);
    assertThat(s.steps()).isEqualTo(10);
    assertThat(s.interactions()).isEqualTo(10_000);
    assertThat(s.seconds()).isCloseTo(0.055, within(1e-12));
    assertThat(s.meanMillis()).isCloseTo(5.5, within(1e-12));
    assertThat(s.medianMillis()).isEqualTo(5.0);
    assertThat(s.p90Millis()).isEqualTo(9.0);
    assertThat(s.interactionsPerSecond()).isCloseTo(10_000 / 0.055, within(1e-6));
  }

  @Test
  void growsPastItsInitialCapacityAndListensToSteps() {
    StepTimes t = new StepTimes();
    for (int i = 0; i < 5000; i++) {
      t.onStep(new StepInfo(i, 0, i, 1.0, 64, 2_000_000L));
    }
    assertThat(t.count()).isEqualTo(5000);
    assertThat(t.nanos()).hasSize(5000).containsOnly(2_000_000L);
    assertThat(t.summary(0).interactionsPerSecond()).isCloseTo(32_000, within(1e-6));
  }

  @Test
  void rejectsAWarmUpThatLeavesNoStep() {
    StepTimes t = new StepTimes();
    t.add(1, 1);
    assertThatThrownBy(() -> t.summary(1)).hasMessageContaining("leaves none of the 1");
  }

  @Test
  void percentileIsTheNearestRank() {
    long[] sorted = {1, 2, 3, 4};
    assertThat(StepTimes.percentile(sorted, 0.5)).isEqualTo(2);
    assertThat(StepTimes.percentile(sorted, 0.9)).isEqualTo(4);
    assertThat(StepTimes.percentile(sorted, 0.0)).isEqualTo(1);
  }
}
