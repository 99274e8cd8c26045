package io.cbns.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.core.eval.RankingMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestValidationScores {
  private static EvaluationInfo eval(String split, double recall) {
    RankingMetrics m =
        new RankingMetrics(Map.of(20, recall, 50, 2 * recall), Map.of(20, recall, 50, recall), 1);
    return new EvaluationInfo(1, 1, split, m, m, 0);
  }

  @Test
  void handsOnValidationRecallAtKOnly() {
    List<Double> seen = new ArrayList<>();
    ValidationScores listener = new ValidationScores(50, seen::add);
    listener.onEvaluation(eval("validation", 0.1));
    listener.onEvaluation(eval("test", 0.3));
    listener.onEvaluation(eval("validation", 0.2));
    assertThat(seen).containsExactly(0.2, 0.4);
  }
}
