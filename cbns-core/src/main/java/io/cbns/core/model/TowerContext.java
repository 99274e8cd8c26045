package io.cbns.core.model;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.cbns.core.data.CsrMatrix;

/**
 * What a {@link io.cbns.core.spi.TowerFactory} gets besides its own options.
 *
 * @param numUsers users in the dataset (ids {@code [0, numUsers)})
 * @param numItems items in the dataset (ids {@code [0, numItems)})
 * @param dimension output dimension d of both towers
 * @param normalize whether tower outputs are L2-normalised (cosine scores)
 * @param seed the initialisation seed
 * @param trainByUser the train interactions per user, for towers that pool histories
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
    NDManager manager) {
  public TowerContext {
    requireNonNull(trainByUser, "trainByUser is null");
    requireNonNull(manager, "manager is null");
    if (numUsers < 1 || numItems < 1 || dimension < 1) {
      throw new IllegalArgumentException("numUsers, numItems and dimension must be >= 1");
    }
  }
}
