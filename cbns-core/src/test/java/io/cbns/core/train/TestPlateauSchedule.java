package io.cbns.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cbns.core.eval.RankingMetrics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestPlateauSchedule {
  private static EvaluationInfo eval(String split, double recall) {
    RankingMetrics m = new RankingMetrics(Map.of(20, recall), Map.of(20, recall), 1);
    return new EvaluationInfo(1, 1, split, m, m, 0);
  }

  private static PlateauSchedule schedule() {
    var base = new LearningRateSchedule(LearningRateSchedule.Kind.CONSTANT, 0.01, 10, 1, 1, 0, 1);
    return new PlateauSchedule(base, 2, 0.1, 0.0002, 20);
  }

  @Test
  void cutsTheRateAfterPatienceEvaluationsWithoutANewBestDownToTheFloor() {
    PlateauSchedule s = schedule();
    assertThat(s.rate(0)).isCloseTo(0.001, within(1e-12)); // the base's warm-up
    s.onEvaluation(eval("validation", 0.10));
    s.onEvaluation(eval("validation", 0.12));
    s.onEvaluation(eval("validation", 0.11));
    assertThat(s.rate(100)).isCloseTo(0.01, within(1e-12));
    s.onEvaluation(eval("validation", 0.12)); // equal is not better
    assertThat(s.rate(100)).isCloseTo(0.001, within(1e-12));
    s.onEvaluation(eval("validation", 0.13)); // a new best resets the count
    s.onEvaluation(eval("validation", 0.10));
    assertThat(s.rate(100)).isCloseTo(0.001, within(1e-12));
    s.onEvaluation(eval("validation", 0.10));
    assertThat(s.rate(100)).isCloseTo(0.0002, within(1e-12)); // 0.0001 is below the floor
    s.onEvaluation(eval("validation", 0.10));
    s.onEvaluation(eval("validation", 0.10));
    assertThat(s.rate(100)).isCloseTo(0.0002, within(1e-12));
  }

  @Test
  void testEvaluationsNeverMoveIt() {
    PlateauSchedule s = schedule();
    for (int i = 0; i < 5; i++) {
      s.onEvaluation(eval("test", 0.1));
    }
    assertThat(s.scale()).isEqualTo(1.0);
  }

  @Test
  void aResumedScheduleContinuesWhereItStopped() throws IOException {
    PlateauSchedule s = schedule();
    s.onEvaluation(eval("validation", 0.2));
    s.onEvaluation(eval("validation", 0.1));
    s.onEvaluation(eval("validation", 0.1));
    s.onEvaluation(eval("validation", 0.1)); // one evaluation into the next count
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    s.saveState(new DataOutputStream(bytes));
    PlateauSchedule resumed = schedule();
    resumed.loadState(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertThat(resumed.scale()).isCloseTo(0.1, within(1e-12));
    resumed.onEvaluation(eval("validation", 0.1));
    s.onEvaluation(eval("validation", 0.1));
    assertThat(resumed.scale()).isCloseTo(0.01, within(1e-12)).isEqualTo(s.scale());
  }
}
