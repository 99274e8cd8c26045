package io.cbns.benchmarks.micro;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.loss.SampledSoftmaxLoss;
import io.cbns.core.sampling.Candidates;
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
 * The sampled-softmax loss of {@code cbns-core} ({@link SampledSoftmaxLoss}) at B rows and B + E
 * columns: the batch's own columns (with gradient) plus E extra columns without gradient, as the
 * cross-batch sampler's memory bank provides them (E = 0 is in-batch, 3072 the paper's M, 16384 a
 * large bank). Settings as the runner's defaults: temperature 0.1, logQ correction and
 * accidental-hit masking on, batch columns are negatives. Inputs are unit vectors (the {@code mf}
 * towers normalise) drawn once per trial.
 *
 * <p>{@link #forwardBackward} is what a training step spends in the loss: assembling the candidate
 * matrix (the concat a memory bank needs), logits, masks, log-softmax, and the backward pass to
 * both embedding inputs. {@link #forward} is the same without gradient work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {Forks.ADD_OPENS, Forks.OFFLINE, Forks.INTEROP, Forks.QUIET})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LossBenchmark {
  @Param({"0", "3072", "16384"})
  public int extraColumns;

  @Param("1024")
  public int batchSize;

  @Param("64")
  public int dimension;

  private NDManager root;
  private NDArray users;
  private NDArray items;
  private NDArray extra;
  private NDArray logQ;
  private NDArray itemIds;
  private SampledSoftmaxLoss loss;

  @Setup
  public void setUp() {
    root = NDManager.newBaseManager();
    root.getEngine().setRandomSeed(7);
    long columns = batchSize + (long) extraColumns;
    users = unit(root.randomNormal(new Shape(batchSize, dimension)));
    items = unit(root.randomNormal(new Shape(batchSize, dimension)));
    users.setRequiresGradient(true);
    items.setRequiresGradient(true);
    extra = extraColumns == 0 ? null : unit(root.randomNormal(new Shape(extraColumns, dimension)));
    // log q of a long-tailed catalogue: values between log(1e-6) and log(1e-2)
    logQ = root.randomUniform(-13.8f, -4.6f, new Shape(columns));
    itemIds = root.randomInteger(0, 40_981, new Shape(columns), DataType.INT64);
    loss = new SampledSoftmaxLoss(new LossConfig(0.1, true, true));
  }

  @TearDown
  public void tearDown() {
    root.close();
  }

  @Benchmark
  public float forwardBackward() {
    try (NDManager step = root.newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray value = lossOf(step);
      gc.backward(value);
      return value.getFloat();
    }
  }

  @Benchmark
  public float forward() {
    try (NDManager step = root.newSubManager()) {
      return lossOf(step).getFloat();
    }
  }

  private NDArray lossOf(NDManager step) {
    // views attached to the step's manager, so that every result is freed with it
    NDIndex all = new NDIndex(":");
    NDArray u = users.get(step, all);
    NDArray v = items.get(step, all);
    NDArray columns = extra == null ? v : NDArrays.concat(new NDList(v, extra.get(step, all)));
    Candidates candidates =
        new Candidates(columns, logQ.get(step, all), itemIds.get(step, all), true);
    return loss.compute(u, candidates, itemIds.get(step, new NDIndex(":{}", batchSize)));
  }

  private static NDArray unit(NDArray x) {
    return x.div(x.norm(new int[] {1}, true));
  }
}
