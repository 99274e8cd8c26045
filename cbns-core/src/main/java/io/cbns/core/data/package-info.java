/**
 * The dataset SPI: interactions split into train and test, per-user item lists (compressed sparse
 * rows), item counts, and a streaming loader of shuffled host-side batches.
 */
package io.cbns.core.data;
