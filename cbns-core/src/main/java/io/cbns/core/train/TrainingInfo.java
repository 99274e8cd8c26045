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
 * @param itemEncoder encodes items with the current parameters, without gradient (for monitors)
 */
public record TrainingInfo(
    DatasetInfo dataset,
    int epochs,
    long stepsPerEpoch,
    int batchSize,
    int dimension,
    InferenceItemEncoder itemEncoder) {
  public TrainingInfo {
    requireNonNull(dataset, "dataset is null");
    requireNonNull(itemEncoder, "itemEncoder is null");
  }
}
