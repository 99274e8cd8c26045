package io.cbns.benchmarks.micro;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.cbns.benchmarks.fixture.BenchmarkData;
import io.cbns.core.config.Options;
import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.InteractionBatch;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.frequency.FrequencyContext;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.spi.PluginRegistry;
import java.nio.file.Path;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Batches from the Arrow dataset (the cached import of Gowalla by default) to the step's tensors.
 *
 * <p>{@link #epoch}: one shuffled epoch of B = 1024 batches from the loader with {@code prefetch}
 * batches prepared ahead (0: on the caller's thread), every batch consumed; the loader's whole cost
 * per epoch, to set against a training epoch. {@link #stepTensors}: what a training step spends
 * before the towers run: the next batch from an open iterator, {@code log q} of its items from the
 * exact frequency estimator, and the three {@code NDArray}s the trainer creates.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {Forks.ADD_OPENS, Forks.OFFLINE, Forks.INTEROP, Forks.QUIET})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BatchAssemblyBenchmark {
  @Param(BenchmarkData.GOWALLA)
  public String data;

  @Param(BenchmarkData.CACHE)
  public String cache;

  @Param("1024")
  public int batchSize;

  @Param({"0", "4"})
  public int prefetch;

  private InteractionDataset dataset;
  private FrequencyEstimator frequency;
  private NDManager root;
  private BatchSpec spec;
  private BatchIterator open;
  private int epoch;

  @Setup
  public void setUp() {
    PluginRegistry plugins = BenchmarkData.plugins();
    dataset = BenchmarkData.openLightGcn(plugins, Path.of(data), Path.of(cache));
    frequency =
        plugins
            .frequencyEstimators()
            .get("counts")
            .create(
                new FrequencyContext(
                    dataset.info().numItems(), dataset.itemTrainCounts(), batchSize),
                Options.empty("frequency"));
    root = NDManager.newBaseManager();
    spec = new BatchSpec(batchSize, false, 42, prefetch);
  }

  @TearDown
  public void tearDown() {
    if (open != null) {
      open.close();
    }
    root.close();
    dataset.close();
  }

  @Benchmark
  public long epoch(Blackhole sink) {
    long rows = 0;
    try (BatchIterator it = dataset.trainBatches(spec, epoch++)) {
      while (it.hasNext()) {
        InteractionBatch batch = it.next();
        sink.consume(batch);
        rows += batch.size();
      }
    }
    return rows;
  }

  @Benchmark
  public float stepTensors(Blackhole sink) {
    if (open == null || !open.hasNext()) {
      if (open != null) {
        open.close();
      }
      open = dataset.trainBatches(spec, epoch++);
    }
    InteractionBatch batch = open.next();
    try (NDManager step = root.newSubManager()) {
      long[] items = batch.itemIds();
      float[] logQ = new float[items.length];
      frequency.logQ(items, logQ);
      NDArray users = step.create(batch.userIds());
      sink.consume(step.create(items));
      sink.consume(users);
      return step.create(logQ).getFloat(0);
    }
  }
}
