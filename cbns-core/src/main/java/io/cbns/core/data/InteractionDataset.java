package io.cbns.core.data;

import io.cbns.core.CbnsException;
import java.util.Optional;

/**
 * An implicit-feedback dataset: users, items (dense ids {@code [0, numUsers)}, {@code [0,
 * numItems)}), train interactions, test interactions and optionally a validation split carved from
 * train.
 *
 * <p>Implementations hold the per-user matrices in memory (they are needed for history pooling and
 * evaluation) and stream train batches from storage. Thread-safe for reading; {@link #trainBatches}
 * may be called once per epoch.
 */
public interface InteractionDataset extends AutoCloseable {
  /** Name, sizes and a content fingerprint (for provenance). */
  DatasetInfo info();

  /** Train interactions per user (what evaluation excludes, what history towers pool). */
  CsrMatrix trainByUser();

  /** Test interactions per user. */
  CsrMatrix testByUser();

  /** Validation interactions per user, when the dataset has a validation split. */
  default Optional<CsrMatrix> validationByUser() {
    return Optional.empty();
  }

  /**
   * Content features of the items ({@link FeatureTable#numRows()} equals the number of items), when
   * the dataset has them. They describe every item, including items that never occur in train.
   */
  /**
   * The items never ranked for a user in a test evaluation: the whole train file. The validation
   * split was carved from it, so it is the train split plus the validation split (the literature's
   * protocol); a test pair itself is never excluded.
   */
  default CsrMatrix testExclusion() {
    return validationByUser()
        .map(v -> trainByUser().union(v.minus(testByUser())))
        .orElse(trainByUser());
  }

  default Optional<FeatureTable> itemFeatures() {
    return Optional.empty();
  }

  /** Content features of the users (one row per user), when the dataset has them. */
  default Optional<FeatureTable> userFeatures() {
    return Optional.empty();
  }

  /**
   * How often each item occurs in the train split ({@code numItems} entries). The source of the
   * exact {@code log q} used for the logQ correction.
   */
  long[] itemTrainCounts();

  /**
   * The shuffled train batches of one epoch: every train interaction exactly once, and the repeats
   * of {@link BatchSpec#recentRepeats()} when it is on.
   *
   * @param spec batch size, last-batch policy, seed, prefetch depth and recent repeats
   * @param epoch the 0-based epoch number; with the seed it fixes the order
   * @throws CbnsException when the dataset cannot make the repeats asked for
   */
  BatchIterator trainBatches(BatchSpec spec, int epoch);

  /**
   * How many rows one epoch of {@link #trainBatches} holds under {@code spec}: the train
   * interactions, plus the repeats. This default makes no repeats.
   *
   * @throws CbnsException when the dataset cannot make the repeats asked for
   */
  default long epochRows(BatchSpec spec) {
    if (!spec.recentRepeats().isOff()) {
      throw new CbnsException(
          info().name()
              + ": this dataset cannot repeat recent interactions (training.recent-fraction);"
              + " set it to 0");
    }
    return info().numTrain();
  }

  @Override
  default void close() {}
}
