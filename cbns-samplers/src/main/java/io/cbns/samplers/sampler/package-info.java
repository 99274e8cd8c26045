/**
 * Stateless-by-design samplers: {@code in-batch} (the other positives of the batch), {@code
 * uniform} (N items drawn uniformly from the corpus, the batch's other positives not used) and
 * {@code mixed} (Mixed Negative Sampling: both). The log q of every column follows the PyTorch
 * reference implementation that the benchmarks compare against (docs/PERFORMANCE.md), so that the
 * two can be compared run for run.
 */
package io.cbns.samplers.sampler;
