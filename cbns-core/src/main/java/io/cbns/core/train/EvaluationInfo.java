package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import io.cbns.core.eval.RankingMetrics;

/**
 * One evaluation of the model against the most-popular baseline.
 *
 * @param epoch the number of epochs trained so far
 * @param step the number of steps trained so far
 * @param split which split was ranked ({@code validation} or {@code test})
 * @param model the model's metrics
 * @param mostPopular the most-popular baseline's metrics on the same users
 * @param seconds wall time of the evaluation
 */
public record EvaluationInfo(
    int epoch,
    long step,
    String split,
    RankingMetrics model,
    RankingMetrics mostPopular,
    double seconds) {
  public EvaluationInfo {
    requireNonNull(split, "split is null");
    requireNonNull(model, "model is null");
    requireNonNull(mostPopular, "mostPopular is null");
  }
}
