package io.cbns.core.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

final class TestLearningRateSchedule {
  @Test
  void warmUpRisesLinearlyThenEachKindDecaysAsDocumented() {
    var constant =
        new LearningRateSchedule(LearningRateSchedule.Kind.CONSTANT, 0.1, 4, 1, 1, 0, 100);
    assertThat(constant.rate(0)).isCloseTo(0.025, within(1e-12));
    assertThat(constant.rate(3)).isCloseTo(0.1, within(1e-12));
    assertThat(constant.rate(99)).isCloseTo(0.1, within(1e-12));

    var step = new LearningRateSchedule(LearningRateSchedule.Kind.STEP, 0.1, 0, 10, 0.5, 0, 100);
    assertThat(step.rate(9)).isCloseTo(0.1, within(1e-12));
    assertThat(step.rate(10)).isCloseTo(0.05, within(1e-12));
    assertThat(step.rate(25)).isCloseTo(0.025, within(1e-12));

    var cosine =
        new LearningRateSchedule(LearningRateSchedule.Kind.COSINE, 0.1, 10, 1, 1, 0.01, 110);
    assertThat(cosine.rate(10)).isCloseTo(0.1, within(1e-12));
    assertThat(cosine.rate(60)).isCloseTo(0.055, within(1e-12));
    assertThat(cosine.rate(110)).isCloseTo(0.01, within(1e-12));
    assertThat(cosine.rate(500)).isCloseTo(0.01, within(1e-12));
    // as a DJL tracker, update n (1-based) is step n - 1
    assertThat(cosine.getNewValue(61)).isCloseTo(0.055f, within(1e-7f));
  }

  @Test
  void badArgumentsAreRejected() {
    assertThatThrownBy(
            () -> new LearningRateSchedule(LearningRateSchedule.Kind.COSINE, 0.1, 0, 1, 1, 0.2, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minRate");
    assertThatThrownBy(
            () -> new LearningRateSchedule(LearningRateSchedule.Kind.STEP, 0.1, 0, 1, 0, 0, 10))
        .hasMessageContaining("factor");
  }

  @Test
  void sgdFollowsTheScheduleAndItsCountSurvivesACheckpoint() throws Exception {
    var schedule = new LearningRateSchedule(LearningRateSchedule.Kind.STEP, 1.0, 0, 2, 0.5, 0, 10);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = m.zeros(new Shape(3));
      Sgd sgd = Sgd.builder().optLearningRateTracker(schedule).build();
      for (int i = 0; i < 3; i++) {
        sgd.update("w", w, m.ones(new Shape(3)));
      }
      // rates 1, 1, 0.5
      assertThat(w.toFloatArray()).containsExactly(-2.5f, -2.5f, -2.5f);
      var bytes = new java.io.ByteArrayOutputStream();
      sgd.saveState(new java.io.DataOutputStream(bytes));
      Sgd restored = Sgd.builder().optLearningRateTracker(schedule).build();
      restored.loadState(
          new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
      restored.update("w", w, m.ones(new Shape(3)));
      // the fourth update uses rate 0.5, not the first update's 1
      assertThat(w.toFloatArray()).containsExactly(-3f, -3f, -3f);
    }
  }
}
