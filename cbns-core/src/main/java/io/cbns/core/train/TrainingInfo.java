package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.DatasetInfo;

/**
 * What listeners learn at the start.
 *
 * @param dataset the dataset
 * @param epochs the number of epochs planned
 * @param stepsPerEpoch steps in each epoch
 * @param batchSize the batch size
 * @param dimension the embedding dimension
 * @param itemEncoder encodes items with the current parameters, without gradient, as the training
 *     step scores them (L2-normalised with {@link io.cbns.core.loss.LossConfig#cosine()}; for
 *     monitors)
 * @param resumedAtStep 0 for a fresh run; for a resumed one, the global steps already done (the
 *     first step to run): listeners that write files drop what they wrote after that point
 * @param resumedAtEpoch 0 for a fresh run; for a resumed one, the epochs already completed
 */
public record TrainingInfo(
    DatasetInfo dataset,
    int epochs,
    long stepsPerEpoch,
    int batchSize,
    int dimension,
    InferenceItemEncoder itemEncoder,
    long resumedAtStep,
    int resumedAtEpoch) {
  public TrainingInfo {
    requireNonNull(dataset, "dataset is null");
    requireNonNull(itemEncoder, "itemEncoder is null");
  }

  /** A fresh run's information. */
  public TrainingInfo(
      DatasetInfo dataset,
      int epochs,
      long stepsPerEpoch,
      int batchSize,
      int dimension,
      InferenceItemEncoder itemEncoder) {
    this(dataset, epochs, stepsPerEpoch, batchSize, dimension, itemEncoder, 0, 0);
  }

  /** Whether this run continues from a checkpoint. */
  public boolean resumed() {
    return resumedAtStep > 0 || resumedAtEpoch > 0;
  }
}
