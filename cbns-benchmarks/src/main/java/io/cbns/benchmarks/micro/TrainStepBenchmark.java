package io.cbns.benchmarks.micro;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.tracker.Tracker;
import io.cbns.benchmarks.fixture.BenchmarkData;
import io.cbns.core.config.Options;
import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.InteractionBatch;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.frequency.FrequencyContext;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.optim.LazyAdam;
import io.cbns.core.optim.RowGradientStore;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.core.train.TrainStep;
import io.cbns.core.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * One training step of {@code tower} towers ({@code mf} by default, {@code -p tower=mf,youtube-dnn}
 * for both; d = 64, normalised, the tower's default options) on the benchmark dataset (Gowalla by
 * default), B = 1024, with the runner's defaults: temperature 0.1, logQ and hit masking on, {@code
 * lazy-adam} at 0.01, the exact ({@code counts}) frequency estimator. The sampler is {@code
 * in-batch} or {@code cross-batch} with a bank of {@code bankSize} used from the first step.
 *
 * <p>{@link #step} is the trainer's own step ({@link TrainStep}: log q, towers, candidates, loss,
 * backward, finite checks, the optimizer's update, the bank's enqueue and the estimator's observe);
 * {@link #encode} is the slice before the candidates (batch tensors and both towers' forward, with
 * the trainer's row-sparse gradients). Batches are one epoch of the real loader, cycled. The set-up
 * runs enough steps to fill the bank, so that every measured cross-batch step sees B + M columns.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {Forks.ADD_OPENS, Forks.OFFLINE, Forks.INTEROP, Forks.QUIET})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TrainStepBenchmark {
  @Param(BenchmarkData.GOWALLA)
  public String data;

  @Param(BenchmarkData.CACHE)
  public String cache;

  @Param("mf")
  public String tower;

  @Param({"in-batch", "cross-batch"})
  public String sampler;

  @Param("3072")
  public int bankSize;

  @Param("1024")
  public int batchSize;

  private InteractionDataset dataset;
  private NDManager root;
  private TwoTowerModel model;
  private NegativeSampler negatives;
  private FrequencyEstimator frequency;
  private TrainStep trainStep;
  private List<InteractionBatch> batches;
  private long step;

  @Setup
  public void setUp() {
    PluginRegistry plugins = BenchmarkData.plugins();
    dataset = BenchmarkData.openLightGcn(plugins, Path.of(data), Path.of(cache));
    root = NDManager.newBaseManager();
    int numItems = dataset.info().numItems();
    model =
        plugins
            .towers()
            .get(tower)
            .create(
                new TowerContext(
                    dataset.info().numUsers(), numItems, 64, true, 42, dataset.trainByUser(), root),
                Options.empty("model"));
    long stepsPerEpoch = Trainer.stepsPerEpoch(dataset.info().numTrain(), batchSize, false);
    Options samplerOptions =
        sampler.equals("cross-batch")
            ? Options.of("sampler", Map.of("bank-size", bankSize, "warmup-steps", "0"))
            : Options.empty("sampler");
    negatives =
        plugins
            .samplers()
            .get(sampler)
            .create(
                new SamplerContext(numItems, 64, batchSize, stepsPerEpoch, 43, root),
                samplerOptions);
    frequency =
        plugins
            .frequencyEstimators()
            .get("counts")
            .create(
                new FrequencyContext(numItems, dataset.itemTrainCounts(), batchSize),
                Options.empty("frequency"));
    trainStep =
        TrainStep.builder()
            .setModel(model)
            .setSampler(negatives)
            .setFrequencyEstimator(frequency)
            .setOptimizer(LazyAdam.builder().optLearningRateTracker(Tracker.fixed(0.01f)).build())
            .setManager(root)
            .optLoss(new LossConfig(0.1, true, true))
            .optSeed(42)
            .build();
    batches = new ArrayList<>();
    try (BatchIterator it = dataset.trainBatches(new BatchSpec(batchSize, true, 42, 0), 0)) {
      it.forEachRemaining(batches::add);
    }
    // fill the memory bank first: an empty bank is in-batch
    for (int i = 0; i <= bankSize / batchSize; i++) {
      step();
    }
  }

  @TearDown
  public void tearDown() {
    negatives.close();
    model.close();
    root.close();
    dataset.close();
  }

  @Benchmark
  public float encode() {
    InteractionBatch batch = nextBatch();
    try (NDManager m = root.newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      RowGradientStore parameters = new RowGradientStore(m);
      StepBatch b = stepBatch(m, batch);
      NDArray users = model.encodeUsers(parameters, b.userIds(), b.itemIds(), true);
      NDArray items = model.encodeItems(parameters, b.itemIds(), true);
      return users.getFloat(0, 0) + items.getFloat(0, 0);
    }
  }

  @Benchmark
  public double step() {
    long global = step;
    return trainStep.run(nextBatch(), global, 0);
  }

  private InteractionBatch nextBatch() {
    InteractionBatch batch = batches.get((int) (step % batches.size()));
    step++;
    return batch;
  }

  private StepBatch stepBatch(NDManager m, InteractionBatch batch) {
    long[] items = batch.itemIds();
    float[] logQ = new float[items.length];
    frequency.logQ(items, logQ);
    return new StepBatch(m.create(batch.userIds()), m.create(items), m.create(logQ), items);
  }
}
