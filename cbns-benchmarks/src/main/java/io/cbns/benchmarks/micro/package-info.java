/**
 * JMH micro-benchmarks of the hot paths of a training step and of evaluation: the sampled-softmax
 * loss, the memory bank, full-ranking top-K, batch assembly from Arrow and a whole {@code mf}
 * training step. Run from the repository root: {@code java -jar
 * cbns-benchmarks/target/cbns-benchmarks.jar LossBenchmark -f 1 -wi 3 -i 5}; see {@code
 * docs/PERFORMANCE.md}.
 *
 * <p>Every benchmark opens its own base {@code NDManager} in a trial-level setup and closes it in
 * the tear-down; each invocation allocates in a sub-manager closed before it returns, as the
 * trainer does per step, so native memory stays flat over a run. Arrays are on the CPU; PyTorch
 * uses as many intra-op threads as it sees cores unless the fork gets {@code
 * -Dai.djl.pytorch.num_threads=N} ({@code -jvmArgsAppend}).
 */
package io.cbns.benchmarks.micro;
