package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.cbns.core.CbnsException;
import io.cbns.core.checkpoint.CheckpointFile;
import io.cbns.core.checkpoint.Checkpointable;
import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.InteractionBatch;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.loss.UserTemperatures;
import io.cbns.core.model.NeighbourSmoothing;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.optim.CheckpointableOptimizer;
import io.cbns.core.sampling.NegativeSampler;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
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
  private final CheckpointableOptimizer optimizer;
  private final TrainStep trainStep;
  private final TrainingConfig config;
  private final FullRankingEvaluator evaluator;
  private final List<TrainingListener> listeners;
  private final NDManager manager;
  private final Checkpointing checkpointing;
  private final BooleanSupplier stopRequest;
  private final boolean restoreBest;
  private final NeighbourSmoothing smoothing;
  private final Map<String, Checkpointable> extraState;
  // the loss's adaptive per-user temperatures, or null
  private final UserTemperatures userTemperatures;
  private final ModelSelection selection;
  private final CsrMatrix testExclusion;
  // when this session of fit() began: the total time of a resumed run adds the earlier sessions'
  private long sessionStart = System.nanoTime();

  private Trainer(Builder b) {
    this.model = b.model;
    this.dataset = b.dataset;
    this.sampler = b.sampler;
    this.frequency = b.frequency;
    this.optimizer = b.optimizer;
    this.config = b.config;
    this.evaluator = b.evaluator;
    this.listeners = List.copyOf(b.listeners);
    this.manager = b.manager;
    this.checkpointing = b.checkpointing;
    this.stopRequest = b.stopRequest;
    this.restoreBest = b.restoreBest;
    this.smoothing = b.smoothing;
    this.extraState = new LinkedHashMap<>(b.extraState);
    this.userTemperatures =
        b.loss.userTemperatureSpread() > 0
            ? new UserTemperatures(dataset.trainByUser().numRows(), b.loss.userTemperatureSpread())
            : null;
    // the best epoch's parameters are kept only when they will be restored: with a validation
    // split, so that the epoch is never chosen on test
    this.selection =
        new ModelSelection(
            config.patience(), restoreBest && dataset.validationByUser().isPresent(), manager);
    this.trainStep =
        TrainStep.builder()
            .setModel(model)
            .setSampler(sampler)
            .setFrequencyEstimator(frequency)
            .setOptimizer(optimizer)
            .setManager(manager)
            .optLoss(b.loss)
            .optSeed(config.seed())
            .optRowSparse(b.rowSparse)
            .optUserLogQ(
                b.loss.userSoftmaxWeight() > 0 ? TrainStep.userLogQ(dataset.trainByUser()) : null)
            .optKnownPositives(b.loss.maskKnownPositives() ? dataset.trainByUser() : null)
            .optUserTemperatures(userTemperatures)
            .optDevices(b.devices)
            .build();
    this.testExclusion = dataset.testExclusion();
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
   * when the dataset has one (the test split otherwise), and on the test split at the end. With a
   * validation split and restore-best on, the parameters of the best validation evaluation are
   * restored before the final test evaluation.
   *
   * @throws CbnsException when the loss or a gradient becomes NaN or infinite (naming the step; the
   *     last checkpoint, written before, stays as it was)
   * @throws TrainingInterruptedException when the stop request became true (after a checkpoint)
   */
  public TrainingSummary fit() {
    try {
      return train();
    } finally {
      // the other devices' copies of the model (data parallelism) are not needed after training
      trainStep.close();
    }
  }

  private TrainingSummary train() {
    long started = System.nanoTime();
    sessionStart = started;
    BatchSpec spec = config.batchSpec();
    long rows = dataset.epochRows(spec);
    long spe = stepsPerEpoch(rows, config.batchSize(), config.dropLast());
    if (spe == 0) {
      throw new CbnsException(
          "the train split ("
              + rows
              + " interactions) is smaller than one batch of "
              + config.batchSize()
              + " with drop-last on; lower training.batch-size or set training.drop-last: false");
    }
    Progress p = new Progress();
    if (checkpointing != null && checkpointing.resume()) {
      restore(p);
      trainStep.parametersReplaced();
    }
    TrainingInfo info =
        new TrainingInfo(
            dataset.info(),
            config.epochs(),
            spe,
            config.batchSize(),
            model.dimension(),
            this::encodeItemsForInference,
            p.step,
            p.epoch);
    listeners.forEach(l -> l.onTrainingBegin(info));

    boolean validation = dataset.validationByUser().isPresent();
    while (p.epoch < config.epochs() && p.stopReason == null) {
      int epoch = p.epoch;
      long epochStart = System.nanoTime();
      long waitNanos;
      try (BatchIterator it = dataset.trainBatches(spec, epoch)) {
        // a resumed epoch: the order is a function of (seed, epoch), so skip what was done
        for (long skip = 0; skip < p.stepInEpoch && it.hasNext(); skip++) {
          it.next();
        }
        while (it.hasNext()) {
          InteractionBatch batch = it.next();
          long t0 = System.nanoTime();
          double value = trainStep.run(batch, p.step, epoch);
          long nanos = System.nanoTime() - t0;
          StepInfo si = new StepInfo(p.step, epoch, p.stepInEpoch, value, batch.size(), nanos);
          for (TrainingListener l : listeners) {
            l.onStep(si);
          }
          p.epochLossSum += value;
          p.stepInEpoch++;
          p.step++;
          p.epochInteractions += batch.size();
          if (config.maxSteps() > 0 && p.step >= config.maxSteps()) {
            p.stopReason = "max-steps";
            break;
          }
          boolean epochEnd = p.stepInEpoch == spe;
          if (stopRequest.getAsBoolean()) {
            p.epochSeconds += (System.nanoTime() - epochStart) / 1e9;
            Path file = checkpointing == null ? null : writeCheckpoint(p);
            throw new TrainingInterruptedException(p.step, file);
          }
          if (checkpointing != null
              && checkpointing.everySteps() > 0
              && !epochEnd
              && p.step % checkpointing.everySteps() == 0) {
            p.epochSeconds += (System.nanoTime() - epochStart) / 1e9;
            epochStart = System.nanoTime();
            writeCheckpoint(p);
          }
        }
        waitNanos = it.waitNanos();
      }
      if (userTemperatures != null && p.stepInEpoch == spe) {
        userTemperatures.endEpoch(); // new factors from the completed epoch's hardness
      }
      p.epochSeconds += (System.nanoTime() - epochStart) / 1e9;
      EpochInfo ei =
          new EpochInfo(
              epoch,
              p.stepInEpoch,
              p.stepInEpoch == 0 ? 0 : p.epochLossSum / p.stepInEpoch,
              p.epochSeconds,
              waitNanos / 1e9,
              p.epochInteractions);
      listeners.forEach(l -> l.onEpochEnd(ei));
      p.trainSeconds += p.epochSeconds;
      p.epoch = epoch + 1;
      p.stepInEpoch = 0;
      p.epochLossSum = 0;
      p.epochInteractions = 0;
      p.epochSeconds = 0;
      boolean lastEpoch = p.epoch == config.epochs();
      boolean periodic = config.evaluateEvery() > 0 && p.epoch % config.evaluateEvery() == 0;
      // when the epoch is chosen on validation, the last epoch must compete too
      boolean selecting = validation && restoreBest && config.evaluateEvery() > 0;
      if (p.stopReason == null
          && evaluator != null
          && ((periodic && !lastEpoch) || (lastEpoch && selecting))) {
        periodicEvaluation(p, validation);
      }
      if (checkpointing != null && p.stopReason == null && !lastEpoch) {
        writeCheckpoint(p);
      }
    }
    String stopReason = p.stopReason == null ? "completed" : p.stopReason;
    int selected = p.epoch;
    if (restoreBest
        && validation
        && selection.bestEpoch() > 0
        && selection.bestEpoch() != p.epoch) {
      LOG.info(
          "restoring the parameters of epoch {} (best validation Recall@{} {})",
          selection.bestEpoch(),
          evaluator.ks().get(0),
          String.format(java.util.Locale.ROOT, "%.4f", selection.bestScore()));
      selection.restore(model);
      trainStep.parametersReplaced();
      selected = selection.bestEpoch();
    }
    Optional<EvaluationInfo> last = Optional.empty();
    if (evaluator != null) {
      last = Optional.of(evaluate(dataset.testByUser(), "test", selected, p.step));
    }
    TrainingSummary summary =
        new TrainingSummary(
            p.epoch,
            p.step,
            p.trainSeconds,
            p.earlierSeconds + (System.nanoTime() - started) / 1e9,
            last,
            stopReason,
            selected);
    listeners.forEach(l -> l.onTrainingEnd(summary));
    return summary;
  }

  private void periodicEvaluation(Progress p, boolean validation) {
    CsrMatrix split = dataset.validationByUser().orElse(dataset.testByUser());
    String name = validation ? "validation" : "test";
    EvaluationInfo ev = evaluate(split, name, p.epoch, p.step);
    double score = ev.model().recallAt(evaluator.ks().get(0));
    if (selection.observe(p.epoch, score, model)) {
      p.stopReason = "early-stopping";
      LOG.info(
          "stopping early: no Recall@{} improvement on {} in {} evaluations",
          evaluator.ks().get(0),
          name,
          selection.sinceBest());
    }
  }

  private Path writeCheckpoint(Progress p) {
    Path file = checkpointing.file();
    long t0 = System.nanoTime();
    CheckpointFile.write(file, checkpointing.fingerprint(), checkpointParts(p));
    LOG.debug("checkpoint at step {} written in {} ms", p.step, (System.nanoTime() - t0) / 1e6);
    return file;
  }

  private Map<String, Checkpointable> checkpointParts(Progress p) {
    Map<String, Checkpointable> parts = new LinkedHashMap<>();
    parts.put("trainer", p);
    parts.put("parameters", new ModelParameters(model));
    parts.put("optimizer", optimizer);
    parts.put("sampler", sampler);
    parts.put("frequency", frequency);
    parts.put("best", selection.snapshot());
    if (userTemperatures != null) {
      // only when on, so that checkpoints of runs without them keep their sections
      parts.put("user-temperatures", userTemperatures);
    }
    parts.putAll(extraState);
    return parts;
  }

  private void restore(Progress p) {
    try (CheckpointFile file =
        CheckpointFile.read(checkpointing.file(), checkpointing.fingerprint())) {
      checkpointParts(p).forEach(file::restore);
    }
    LOG.info(
        "resumed from {}: step {}, epoch {} (+{} steps)",
        checkpointing.file(),
        p.step,
        p.epoch + 1,
        p.stepInEpoch);
  }

  private EvaluationInfo evaluate(CsrMatrix relevant, String split, int epoch, long step) {
    long t0 = System.nanoTime();
    CsrMatrix exclude = relevant == dataset.testByUser() ? testExclusion : dataset.trainByUser();
    RankingMetrics metrics;
    if (smoothing.isIdentity()) {
      metrics = evaluator.evaluate(manager, model, exclude, relevant);
    } else {
      // the towers as they will be served: smoothed over the training interactions
      try (TwoTowerModel smoothed =
          smoothing.apply(model, dataset.trainByUser(), dataset.info().numUsers(), manager)) {
        metrics = evaluator.evaluate(manager, smoothed, exclude, relevant);
      }
    }
    RankingMetrics popular = evaluator.mostPopular(dataset.itemTrainCounts(), exclude, relevant);
    EvaluationInfo ev =
        new EvaluationInfo(epoch, step, split, metrics, popular, (System.nanoTime() - t0) / 1e9);
    listeners.forEach(l -> l.onEvaluation(ev));
    return ev;
  }

  /** The items as the training step scores them (unit vectors with the loss's cosine). */
  private NDArray encodeItemsForInference(NDManager m, long[] itemIds) {
    ParameterStore ps = new ParameterStore(m, false);
    return trainStep.scored(model.encodeItems(ps, m.create(itemIds), false));
  }

  /**
   * Where training stands: what a checkpoint's "trainer" section holds, model selection's counters
   * included.
   */
  private final class Progress implements Checkpointable {
    long step;
    int epoch;
    long stepInEpoch;
    double epochLossSum;
    long epochInteractions;
    double epochSeconds;
    double trainSeconds;
    // wall seconds of the earlier sessions of a resumed run (time after a killed session's last
    // checkpoint is lost, as its training seconds are)
    double earlierSeconds;
    String stopReason;

    @Override
    public void saveState(DataOutputStream out) throws IOException {
      out.writeLong(step);
      out.writeInt(epoch);
      out.writeLong(stepInEpoch);
      out.writeDouble(epochLossSum);
      out.writeLong(epochInteractions);
      out.writeDouble(epochSeconds);
      out.writeDouble(trainSeconds);
      selection.saveCounters(out);
      out.writeDouble(earlierSeconds + (System.nanoTime() - sessionStart) / 1e9);
    }

    @Override
    public void loadState(DataInputStream in) throws IOException {
      step = in.readLong();
      epoch = in.readInt();
      stepInEpoch = in.readLong();
      epochLossSum = in.readDouble();
      epochInteractions = in.readLong();
      epochSeconds = in.readDouble();
      trainSeconds = in.readDouble();
      selection.loadCounters(in);
      earlierSeconds = in.readDouble();
    }
  }

  /** Builder: {@code setX} for required parts, {@code optX} for optional ones. */
  public static final class Builder {
    private TwoTowerModel model;
    private InteractionDataset dataset;
    private NegativeSampler sampler;
    private FrequencyEstimator frequency;
    private LossConfig loss = LossConfig.defaults();
    private CheckpointableOptimizer optimizer;
    private TrainingConfig config;
    private FullRankingEvaluator evaluator;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private NDManager manager;
    private Checkpointing checkpointing;
    private BooleanSupplier stopRequest = () -> false;
    private boolean restoreBest = true;
    private NeighbourSmoothing smoothing = NeighbourSmoothing.NONE;
    private boolean rowSparse = true;
    private final Map<String, Checkpointable> extraState = new LinkedHashMap<>();
    private List<ai.djl.Device> devices = List.of();

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

    /** The optimizer; cbns's own, so that its state goes into checkpoints. */
    public Builder setOptimizer(CheckpointableOptimizer optimizer) {
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

    /**
     * Writes checkpoints (at each epoch end and every {@link Checkpointing#everySteps()} steps) and
     * optionally resumes from one.
     */
    public Builder optCheckpointing(Checkpointing checkpointing) {
      this.checkpointing = checkpointing;
      return this;
    }

    /**
     * Polled after every step; when it returns true the trainer writes a checkpoint (if
     * checkpointing is on) and throws {@link TrainingInterruptedException}. For Ctrl-C handling.
     */
    public Builder optStopRequest(BooleanSupplier stopRequest) {
      this.stopRequest = requireNonNull(stopRequest, "stopRequest is null");
      return this;
    }

    /**
     * Whether the parameters of the best periodic validation evaluation are restored before the
     * final test evaluation (default true; only with a validation split, so that the epoch is never
     * chosen on the test split).
     */
    public Builder optRestoreBest(boolean restoreBest) {
      this.restoreBest = restoreBest;
      return this;
    }

    /**
     * Neighbourhood smoothing of the towers' outputs, applied to every evaluation (default none):
     * the metrics are those of the model as it is served.
     */
    public Builder optSmoothing(NeighbourSmoothing smoothing) {
      this.smoothing = requireNonNull(smoothing, "smoothing is null");
      return this;
    }

    /**
     * Whether embedding tables that support it get row-sparse gradients when the optimizer wants
     * them (default true); see {@link TrainStep.Builder#optRowSparse}.
     */
    public Builder optRowSparse(boolean rowSparse) {
      this.rowSparse = rowSparse;
      return this;
    }

    /** Adds a component whose state goes into checkpoints under {@code name} (a listener's). */
    public Builder addCheckpointable(String name, Checkpointable state) {
      requireNonNull(name, "name is null");
      requireNonNull(state, "state is null");
      if (List.of(
                  "trainer",
                  "parameters",
                  "optimizer",
                  "sampler",
                  "frequency",
                  "best",
                  "user-temperatures")
              .contains(name)
          || extraState.putIfAbsent(name, state) != null) {
        throw new IllegalArgumentException("checkpoint section name already used: " + name);
      }
      return this;
    }

    /**
     * The devices of a data-parallel training, the first being the {@link #setManager manager}'s;
     * see {@link TrainStep.Builder#optDevices}. Default: the manager's device alone.
     */
    public Builder optDevices(List<ai.djl.Device> devices) {
      this.devices = List.copyOf(devices);
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
