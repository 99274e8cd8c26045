package io.cbns.core.frequency;

import static java.util.Objects.requireNonNull;

/**
 * What a {@link io.cbns.core.spi.FrequencyEstimatorFactory} gets.
 *
 * @param numItems items in the corpus
 * @param itemTrainCounts exact train counts per item ({@code numItems} entries)
 * @param batchSize the batch size (a streaming estimate of q scales with it)
 */
public record FrequencyContext(int numItems, long[] itemTrainCounts, int batchSize) {
  public FrequencyContext {
    requireNonNull(itemTrainCounts, "itemTrainCounts is null");
  }
}
