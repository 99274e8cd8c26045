package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import io.cbns.core.CbnsException;
import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.InteractionBatch;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.loss.SampledSoftmaxLoss;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop: for each batch, encode users and items, ask the sampler for candidates,
 * compute the sampled-softmax loss, back-propagate, update, let the sampler record the step, and
 * tell the listeners; evaluate periodically and at the end.
 *
 * <p>Every array a step allocates lives in a per-step sub-manager closed at the end of the step, so
 * native memory does not grow with the number of steps. Not thread-safe; {@link #fit()} runs once.
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

  private final TwoTowerModel model;
  private final InteractionDataset dataset;
  private final NegativeSampler sampler;
  private final FrequencyEstimator frequency;
  private final SampledSoftmaxLoss loss;
  private final Optimizer optimizer;
  private final TrainingConfig config;
  private final FullRankingEvaluator evaluator;
  private final List<TrainingListener> listeners;
  private final NDManager manager;

  private Trainer(Builder b) {
    this.model = b.model;
    this.dataset = b.dataset;
    this.sampler = b.sampler;
    this.frequency = b.frequency;
    this.loss = new SampledSoftmaxLoss(b.loss);
    this.optimizer = b.optimizer;
    this.config = b.config;
    this.evaluator = b.evaluator;
    this.listeners = List.copyOf(b.listeners);
    this.manager = b.manager;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Steps in one epoch for {@code numTrain} interactions. */
  public static long stepsPerEpoch(long numTrain, int batchSize, boolean dropLast) {
    return dropLast ? numTrain / batchSize : (numTrain + batchSize - 1) / batchSize;
  }

  /**
   * Trains, evaluating every {@link TrainingConfig#evaluateEvery()} epochs on the validation split
   * when the dataset has one (the test split otherwise), and on the test split at the end.
   *
   * @throws CbnsException when the loss becomes NaN or infinite (naming the step)
   */
  public TrainingSummary fit() {
    long started = System.nanoTime();
    long spe = stepsPerEpoch(dataset.info().numTrain(), config.batchSize(), config.dropLast());
    if (spe == 0) {
      throw new CbnsException(
          "the train split ("
              + dataset.info().numTrain()
              + " interactions) is smaller than one batch of "
              + config.batchSize()
              + " with drop-last on; lower training.batch-size or set training.drop-last: false");
    }
    TrainingInfo info =
        new TrainingInfo(
            dataset.info(),
            config.epochs(),
            spe,
            config.batchSize(),
            model.dimension(),
            this::encodeItemsForInference);
    listeners.forEach(l -> l.onTrainingBegin(info));

    // no parameter server: parameters are read in place and updated by update()
    ParameterStore ps = new ParameterStore(manager, false);
    BatchSpec spec =
        new BatchSpec(config.batchSize(), config.dropLast(), config.seed(), config.prefetch());

    long step = 0;
    double trainSeconds = 0;
    int epochsDone = 0;
    String stopReason = "completed";
    Optional<EvaluationInfo> last = Optional.empty();
    double best = Double.NEGATIVE_INFINITY;
    int sinceBest = 0;
    outer:
    for (int epoch = 0; epoch < config.epochs(); epoch++) {
      long epochStart = System.nanoTime();
      double lossSum = 0;
      long steps = 0;
      long interactions = 0;
      long waitNanos;
      try (BatchIterator it = dataset.trainBatches(spec, epoch)) {
        while (it.hasNext()) {
          InteractionBatch batch = it.next();
          long t0 = System.nanoTime();
          double value = step(ps, batch, step, epoch);
          long nanos = System.nanoTime() - t0;
          StepInfo si = new StepInfo(step, epoch, steps, value, batch.size(), nanos);
          for (TrainingListener l : listeners) {
            l.onStep(si);
          }
          lossSum += value;
          steps++;
          step++;
          interactions += batch.size();
          if (config.maxSteps() > 0 && step >= config.maxSteps()) {
            stopReason = "max-steps";
            waitNanos = it.waitNanos();
            finishEpoch(epoch, steps, lossSum, epochStart, waitNanos, interactions);
            trainSeconds += (System.nanoTime() - epochStart) / 1e9;
            epochsDone = epoch + 1;
            break outer;
          }
        }
        waitNanos = it.waitNanos();
      }
      double seconds = finishEpoch(epoch, steps, lossSum, epochStart, waitNanos, interactions);
      trainSeconds += seconds;
      epochsDone = epoch + 1;
      boolean lastEpoch = epoch + 1 == config.epochs();
      if (evaluator != null
          && !lastEpoch
          && config.evaluateEvery() > 0
          && (epoch + 1) % config.evaluateEvery() == 0) {
        CsrMatrix split = dataset.validationByUser().orElse(dataset.testByUser());
        String name = dataset.validationByUser().isPresent() ? "validation" : "test";
        EvaluationInfo ev = evaluate(split, name, epoch + 1, step);
        double score = ev.model().recallAt(evaluator.ks().get(0));
        if (score > best) {
          best = score;
          sinceBest = 0;
        } else if (config.patience() > 0 && ++sinceBest >= config.patience()) {
          stopReason = "early-stopping";
          LOG.info(
              "stopping early: no Recall@{} improvement on {} in {} evaluations",
              evaluator.ks().get(0),
              name,
              sinceBest);
          break;
        }
      }
    }
    if (evaluator != null) {
      last = Optional.of(evaluate(dataset.testByUser(), "test", epochsDone, step));
    }
    TrainingSummary summary =
        new TrainingSummary(
            epochsDone, step, trainSeconds, (System.nanoTime() - started) / 1e9, last, stopReason);
    listeners.forEach(l -> l.onTrainingEnd(summary));
    return summary;
  }

  private double finishEpoch(
      int epoch, long steps, double lossSum, long epochStart, long waitNanos, long interactions) {
    double seconds = (System.nanoTime() - epochStart) / 1e9;
    EpochInfo ei =
        new EpochInfo(
            epoch, steps, steps == 0 ? 0 : lossSum / steps, seconds, waitNanos / 1e9, interactions);
    listeners.forEach(l -> l.onEpochEnd(ei));
    return seconds;
  }

  private double step(ParameterStore ps, InteractionBatch batch, long step, int epoch) {
    try (NDManager m = manager.newSubManager()) {
      long[] itemIds = batch.itemIds();
      float[] logQ = new float[itemIds.length];
      frequency.logQ(itemIds, logQ);
      StepBatch b =
          new StepBatch(m.create(batch.userIds()), m.create(itemIds), m.create(logQ), itemIds);
      StepContext ctx =
          new StepContext(step, epoch, m, ids -> model.encodeItems(ps, ids, true), frequency);
      NDArray itemEmbeddings;
      float value;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray users = model.encodeUsers(ps, b.userIds(), b.itemIds(), true);
        itemEmbeddings = model.encodeItems(ps, b.itemIds(), true);
        Candidates candidates = sampler.candidates(ctx, b, itemEmbeddings);
        NDArray lossValue = loss.compute(users, candidates, b.itemIds());
        value = lossValue.getFloat();
        if (!Float.isFinite(value)) {
          throw new CbnsException(
              "the loss became "
                  + value
                  + " at step "
                  + step
                  + " (epoch "
                  + (epoch + 1)
                  + "); usual causes: a learning rate too high for the optimizer, a temperature"
                  + " too low (logits overflow), or non-finite log q; lower optimizer"
                  + ".learning-rate or raise loss.temperature");
        }
        gc.backward(lossValue);
      }
      update();
      sampler.onStepEnd(ctx, b, itemEmbeddings.stopGradient());
      frequency.observe(step, itemIds);
      return value;
    }
  }

  /**
   * Applies the optimizer to every trainable parameter. Unlike DJL's {@code LocalParameterServer},
   * which copies each gradient first (a full copy of every embedding table per step), the optimizer
   * reads the gradient in place; DJL's Adam and {@link LazyAdam} zero it afterwards.
   */
  private void update() {
    for (var entry : model.block().getParameters()) {
      Parameter p = entry.getValue();
      if (p.requiresGradient() && p.isInitialized()) {
        NDArray weight = p.getArray();
        try (NDArray grad = weight.getGradient()) {
          optimizer.update(p.getId(), weight, grad);
        }
      }
    }
  }

  private EvaluationInfo evaluate(CsrMatrix relevant, String split, int epoch, long step) {
    long t0 = System.nanoTime();
    CsrMatrix exclude = dataset.trainByUser();
    RankingMetrics metrics = evaluator.evaluate(manager, model, exclude, relevant);
    RankingMetrics popular = evaluator.mostPopular(dataset.itemTrainCounts(), exclude, relevant);
    EvaluationInfo ev =
        new EvaluationInfo(epoch, step, split, metrics, popular, (System.nanoTime() - t0) / 1e9);
    listeners.forEach(l -> l.onEvaluation(ev));
    return ev;
  }

  private NDArray encodeItemsForInference(NDManager m, long[] itemIds) {
    ParameterStore ps = new ParameterStore(m, false);
    return model.encodeItems(ps, m.create(itemIds), false);
  }

  /** Builder: {@code setX} for required parts, {@code optX} for optional ones. */
  public static final class Builder {
    private TwoTowerModel model;
    private InteractionDataset dataset;
    private NegativeSampler sampler;
    private FrequencyEstimator frequency;
    private LossConfig loss = LossConfig.defaults();
    private Optimizer optimizer;
    private TrainingConfig config;
    private FullRankingEvaluator evaluator;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private NDManager manager;

    private Builder() {}

    public Builder setModel(TwoTowerModel model) {
      this.model = model;
      return this;
    }

    public Builder setDataset(InteractionDataset dataset) {
      this.dataset = dataset;
      return this;
    }

    public Builder setSampler(NegativeSampler sampler) {
      this.sampler = sampler;
      return this;
    }

    public Builder setFrequencyEstimator(FrequencyEstimator frequency) {
      this.frequency = frequency;
      return this;
    }

    public Builder setOptimizer(Optimizer optimizer) {
      this.optimizer = optimizer;
      return this;
    }

    public Builder setConfig(TrainingConfig config) {
      this.config = config;
      return this;
    }

    /** The manager under which per-step managers are opened (its device is the training one). */
    public Builder setManager(NDManager manager) {
      this.manager = manager;
      return this;
    }

    public Builder optLoss(LossConfig loss) {
      this.loss = loss;
      return this;
    }

    public Builder optEvaluator(FullRankingEvaluator evaluator) {
      this.evaluator = evaluator;
      return this;
    }

    public Builder addListener(TrainingListener listener) {
      listeners.add(requireNonNull(listener, "listener is null"));
      return this;
    }

    public Trainer build() {
      requireNonNull(model, "model is not set");
      requireNonNull(dataset, "dataset is not set");
      requireNonNull(sampler, "sampler is not set");
      requireNonNull(frequency, "frequency estimator is not set");
      requireNonNull(optimizer, "optimizer is not set");
      requireNonNull(config, "config is not set");
      requireNonNull(manager, "manager is not set");
      requireNonNull(loss, "loss is null");
      return new Trainer(this);
    }
  }
}
