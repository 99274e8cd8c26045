/**
 * Cross-Batch Negative Sampling (CBNS, Wang et al., SIGIR 2021; docs/method.md, "Cross-batch
 * negatives"): the {@code cross-batch} sampler adds the item embeddings of recent batches, kept in
 * a FIFO memory bank, to the in-batch candidates once a warm-up is over.
 *
 * <p>The bank ({@link io.cbns.samplers.crossbatch.FifoMemoryBank}) is a ring buffer preallocated
 * once and written in place, so a step costs {@code O(B * d)} to enqueue whatever the bank size.
 */
package io.cbns.samplers.crossbatch;
