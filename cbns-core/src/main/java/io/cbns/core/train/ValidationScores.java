package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import java.util.function.DoubleConsumer;

/**
 * Hands the Recall@K of every validation evaluation to a consumer, and nothing of any other split,
 * so that what listens (a reduce-on-plateau schedule) can never look at test.
 */
public final class ValidationScores implements TrainingListener {
  private final int k;
  private final DoubleConsumer consumer;

  /**
   * @param k the cut-off of the Recall@K handed on (it must be among the evaluated ones)
   * @param consumer what receives each validation Recall@K, in order
   */
  public ValidationScores(int k, DoubleConsumer consumer) {
    this.k = k;
    this.consumer = requireNonNull(consumer, "consumer is null");
  }

  @Override
  public void onEvaluation(EvaluationInfo evaluation) {
    if (evaluation.split().equals("validation")) {
      consumer.accept(evaluation.model().recallAt(k));
    }
  }
}
