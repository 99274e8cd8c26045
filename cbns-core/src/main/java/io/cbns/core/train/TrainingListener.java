package io.cbns.core.train;

/**
 * Observes training. Small, single-purpose implementations (progress display, metrics file,
 * feature-drift monitor, checkpointing) are combined by the trainer, which calls them in the order
 * they were added, on the training thread. A listener that throws stops training.
 */
public interface TrainingListener {
  /** Before the first step. */
  default void onTrainingBegin(TrainingInfo info) {}

  /** After each optimizer step (and after the sampler's {@code onStepEnd}). */
  default void onStep(StepInfo step) {}

  /** After each epoch's last step. */
  default void onEpochEnd(EpochInfo epoch) {}

  /** After each evaluation (periodic and final). */
  default void onEvaluation(EvaluationInfo evaluation) {}

  /** After the last step and the final evaluation, also when training stops early. */
  default void onTrainingEnd(TrainingSummary summary) {}
}
