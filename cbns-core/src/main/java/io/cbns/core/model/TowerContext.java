package io.cbns.core.model;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.FeatureTable;
import java.util.Optional;

/**
 * What a {@link io.cbns.core.spi.TowerFactory} gets besides its own options.
 *
 * @param numUsers users in the dataset (ids {@code [0, numUsers)})
 * @param numItems items in the dataset (ids {@code [0, numItems)})
 * @param dimension output dimension d of both towers
 * @param normalize whether tower outputs are L2-normalised (cosine scores)
 * @param seed the initialisation seed
 * @param trainByUser the train interactions per user, for towers that pool histories
 * @param itemFeatures the dataset's item features ({@code numItems} rows), for content towers
 * @param userFeatures the dataset's user features ({@code numUsers} rows)
 * @param manager the manager the model's parameters are created in (the model may create a
 *     sub-manager; it must not close this one)
 */
public record TowerContext(
    int numUsers,
    int numItems,
    int dimension,
    boolean normalize,
    long seed,
    CsrMatrix trainByUser,
    Optional<FeatureTable> itemFeatures,
    Optional<FeatureTable> userFeatures,
    NDManager manager) {
  public TowerContext {
    requireNonNull(trainByUser, "trainByUser is null");
    requireNonNull(itemFeatures, "itemFeatures is null");
    requireNonNull(userFeatures, "userFeatures is null");
    requireNonNull(manager, "manager is null");
    if (numUsers < 1 || numItems < 1 || dimension < 1) {
      throw new IllegalArgumentException("numUsers, numItems and dimension must be >= 1");
    }
    if (itemFeatures.isPresent() && itemFeatures.get().numRows() != numItems) {
      throw new IllegalArgumentException(
          "itemFeatures has " + itemFeatures.get().numRows() + " rows, expected " + numItems);
    }
    if (userFeatures.isPresent() && userFeatures.get().numRows() != numUsers) {
      throw new IllegalArgumentException(
          "userFeatures has " + userFeatures.get().numRows() + " rows, expected " + numUsers);
    }
  }

  /** A context without feature tables. */
  public TowerContext(
      int numUsers,
      int numItems,
      int dimension,
      boolean normalize,
      long seed,
      CsrMatrix trainByUser,
      NDManager manager) {
    this(
        numUsers,
        numItems,
        dimension,
        normalize,
        seed,
        trainByUser,
        Optional.empty(),
        Optional.empty(),
        manager);
  }
}
