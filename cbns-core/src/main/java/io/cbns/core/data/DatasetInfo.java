package io.cbns.core.data;

import static java.util.Objects.requireNonNull;

/**
 * What a dataset is, for logs and provenance.
 *
 * @param name a short name (e.g. {@code synthetic}, {@code gowalla})
 * @param location where it lives (a directory), or a description
 * @param numUsers number of users (ids are {@code [0, numUsers)})
 * @param numItems number of items (ids are {@code [0, numItems)})
 * @param numTrain number of train interactions
 * @param numTest number of test interactions
 * @param fingerprint a content hash (hex) that changes whenever the data changes
 */
public record DatasetInfo(
    String name,
    String location,
    int numUsers,
    int numItems,
    long numTrain,
    long numTest,
    String fingerprint) {
  public DatasetInfo {
    requireNonNull(name, "name is null");
    requireNonNull(location, "location is null");
    requireNonNull(fingerprint, "fingerprint is null");
  }
}
