package io.cbns.benchmarks.micro;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.cbns.samplers.crossbatch.FifoMemoryBank;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cross-batch sampler's FIFO memory bank ({@link FifoMemoryBank}) against its size M, B = 1024
 * rows of d = 64 per step. {@link #enqueue} writes one batch in place (its cost must not grow with
 * M: the ring buffer is preallocated); {@link #candidates} is what reading the bank costs a step
 * (the concat of the batch's columns and the bank's, which does grow with M, as the logits do).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {Forks.ADD_OPENS, Forks.OFFLINE, Forks.INTEROP, Forks.QUIET})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BankBenchmark {
  @Param({"3072", "16384", "65536"})
  public int bankSize;

  @Param("1024")
  public int batchSize;

  @Param("64")
  public int dimension;

  private NDManager root;
  private FifoMemoryBank bank;
  private NDArray rows;
  private NDArray logQ;
  private NDArray ids;

  @Setup
  public void setUp() {
    root = NDManager.newBaseManager();
    bank = new FifoMemoryBank(root, bankSize, dimension, true);
    rows = root.randomNormal(new Shape(batchSize, dimension));
    logQ = root.randomUniform(-13.8f, -4.6f, new Shape(batchSize));
    ids = root.arange(0, batchSize, 1, DataType.INT64);
    // start full, as in steady-state training
    for (long filled = 0; filled < bankSize; filled += batchSize) {
      bank.enqueue(rows, logQ, ids);
    }
  }

  @TearDown
  public void tearDown() {
    bank.close();
    root.close();
  }

  @Benchmark
  public int enqueue() {
    bank.enqueue(rows, logQ, ids);
    return bank.writePosition();
  }

  @Benchmark
  public float candidates() {
    try (NDManager step = root.newSubManager()) {
      NDArray columns =
          NDArrays.concat(new NDList(rows.get(step, new NDIndex(":")), bank.embeddings(step)));
      return columns.getFloat(batchSize, 0);
    }
  }
}
