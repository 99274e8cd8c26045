package io.cbns.benchmarks.micro;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.cbns.benchmarks.fixture.BenchmarkData;
import io.cbns.core.config.Options;
import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.InteractionBatch;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.frequency.FrequencyContext;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.loss.SampledSoftmaxLoss;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.core.train.LazyAdam;
import io.cbns.core.train.RowGradientStore;
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
 * <p>Three nested slices of the step, so that differences give the phases: {@link #encode} (batch
 * tensors and both towers' forward), {@link #forwardBackward} (plus candidates, loss and backward)
 * and {@link #step} (plus the optimizer update, the bank's enqueue and the estimator's observe).
 * Every slice uses the trainer's row-sparse gradients ({@code RowGradientStore}, the default with
 * {@code lazy-adam}). {@code step} mirrors {@code Trainer.step} and {@code Trainer.update} of
 * {@code cbns-core} (kept in step by hand: the trainer runs whole epochs and has no single-step
 * entry point). Batches are one epoch of the real loader, cycled. The set-up runs enough steps to
 * fill the bank, so that every measured cross-batch step sees B + M columns.
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
  private SampledSoftmaxLoss loss;
  private LazyAdam optimizer;
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
    loss = new SampledSoftmaxLoss(new LossConfig(0.1, true, true));
    optimizer = LazyAdam.builder().optLearningRateTracker(Tracker.fixed(0.01f)).build();
    batches = new ArrayList<>();
    try (BatchIterator it = dataset.trainBatches(new BatchSpec(batchSize, true, 42, 0), 0)) {
      it.forEachRemaining(batches::add);
    }
    // fill the memory bank first: forwardBackward never enqueues, and an empty bank is in-batch
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
  public float forwardBackward() {
    InteractionBatch batch = nextBatch();
    try (NDManager m = root.newSubManager()) {
      RowGradientStore parameters = new RowGradientStore(m);
      StepBatch b = stepBatch(m, batch);
      return lossAndBackward(parameters, b, context(m, parameters)).value;
    }
  }

  @Benchmark
  public float step() {
    InteractionBatch batch = nextBatch();
    try (NDManager m = root.newSubManager()) {
      RowGradientStore parameters = new RowGradientStore(m);
      StepBatch b = stepBatch(m, batch);
      StepContext ctx = context(m, parameters);
      Forward f = lossAndBackward(parameters, b, ctx);
      update(parameters);
      negatives.onStepEnd(ctx, b, f.itemEmbeddings.stopGradient());
      frequency.observe(step, batch.itemIds());
      return f.value;
    }
  }

  private record Forward(float value, NDArray itemEmbeddings) {}

  private Forward lossAndBackward(ParameterStore parameters, StepBatch b, StepContext ctx) {
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray users = model.encodeUsers(parameters, b.userIds(), b.itemIds(), true);
      NDArray items = model.encodeItems(parameters, b.itemIds(), true);
      Candidates candidates = negatives.candidates(ctx, b, items);
      NDArray value = loss.compute(users, candidates, b.itemIds());
      float v = value.getFloat();
      gc.backward(value);
      return new Forward(v, items);
    }
  }

  /** The trainer's update without its finite-gradient check: row-sparse tables by rows. */
  private void update(RowGradientStore rows) {
    for (Pair<String, Parameter> entry : model.block().getParameters()) {
      Parameter p = entry.getValue();
      if (rows.isRowSparse(p)) {
        NDArray[] idsAndGradients = rows.gradients(p);
        optimizer.updateRows(p.getId(), p.getArray(), idsAndGradients[0], idsAndGradients[1]);
      } else if (p.requiresGradient() && p.isInitialized()) {
        NDArray weight = p.getArray();
        try (NDArray grad = weight.getGradient()) {
          optimizer.update(p.getId(), weight, grad);
        }
      }
    }
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

  private StepContext context(NDManager m, ParameterStore parameters) {
    return new StepContext(step, 0, m, ids -> model.encodeItems(parameters, ids, true), frequency);
  }
}
