/**
 * The train-batch loader: a seeded per-epoch shuffle over the train interactions held as primitive
 * arrays ({@link io.cbns.data.arrow.loader.EpochShuffle}), cut into {@link
 * io.cbns.core.data.InteractionBatch}es ({@link io.cbns.data.arrow.loader.ShuffledBatches}), and a
 * bounded background prefetch ({@link io.cbns.data.arrow.loader.PrefetchingBatchIterator}).
 */
package io.cbns.data.arrow.loader;
