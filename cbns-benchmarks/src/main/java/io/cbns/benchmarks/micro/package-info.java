/**
 * JMH micro-benchmarks of the hot paths of a training step and of evaluation: the sampled-softmax
 * loss, the memory bank, full-ranking top-K, batch assembly from Arrow, a whole training step, and
 * getting data into Arrow (import, open, synthetic generation). Run from the repository root:
 * {@code java -jar cbns-benchmarks/target/cbns-benchmarks.jar LossBenchmark -f 1 -wi 3 -i 5}; see
 * {@code docs/PERFORMANCE.md}.
 *
 * <p>Every benchmark that uses tensors opens its own base {@code NDManager} in a trial-level setup
 * and closes it in the tear-down; each invocation allocates in a sub-manager closed before it
 * returns, as the trainer does per step, so native memory stays flat over a run. Arrays are on the
 * CPU; PyTorch uses as many intra-op threads as it sees cores unless the fork gets {@code
 * -Dai.djl.pytorch.num_threads=N} ({@code -jvmArgsPrepend}: {@code -jvmArgsAppend} on the command
 * line replaces the flags the benchmarks declare).
 */
package io.cbns.benchmarks.micro;
