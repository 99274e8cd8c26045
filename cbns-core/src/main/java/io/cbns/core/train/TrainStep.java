package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.cbns.core.CbnsException;
import io.cbns.core.data.InteractionBatch;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.loss.SampledSoftmaxLoss;
import io.cbns.core.loss.UserTemperatures;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.optim.CheckpointableOptimizer;
import io.cbns.core.optim.RowGradientStore;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One training step, the unit the {@link Trainer} repeats and the benchmarks time: {@code log q} of
 * the batch's items, the batch on the device, both towers, the sampler's candidates, the loss, the
 * backward pass, a finite check of the loss and of every gradient, the optimizer's update, and the
 * sampler's and frequency estimator's end-of-step bookkeeping.
 *
 * <p>Every array the step allocates lives in a sub-manager of {@link Builder#setManager the
 * manager}, closed before {@link #run} returns, so native memory does not grow with the number of
 * steps. With a row-sparse optimizer ({@link CheckpointableOptimizer#rowSparse()}) embedding tables
 * that support it get row-sparse gradients through a {@link RowGradientStore}. The engine's random
 * state is set from the seed and the global step before each step, so that a resumed run draws the
 * same dropout masks. Not thread-safe.
 */
public final class TrainStep {
  private final TwoTowerModel model;
  private final NegativeSampler sampler;
  private final FrequencyEstimator frequency;
  private final SampledSoftmaxLoss loss;
  private final CheckpointableOptimizer optimizer;
  private final NDManager manager;
  private final long seed;
  private final boolean rowSparse;
  // each user's log q (share of the train interactions), for the loss's user-side term; or null
  private final float[] userLogQ;
  // adaptive per-user temperatures of the loss, or null
  private final UserTemperatures userTemperatures;
  // no parameter server: parameters are read in place and updated by update()
  private final ParameterStore dense;

  private TrainStep(Builder b) {
    this.model = b.model;
    this.sampler = b.sampler;
    this.frequency = b.frequency;
    this.loss = new SampledSoftmaxLoss(b.loss);
    this.optimizer = b.optimizer;
    this.manager = b.manager;
    this.seed = b.seed;
    this.rowSparse = b.rowSparse && optimizer.rowSparse();
    this.userLogQ = b.userLogQ;
    this.userTemperatures = b.userTemperatures;
    this.dense = new ParameterStore(manager, false);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether embedding tables get row-sparse gradients in this step. */
  public boolean rowSparse() {
    return rowSparse;
  }

  /**
   * Trains on one batch.
   *
   * @param batch the interactions
   * @param step the 0-based global step (the sampler's and the estimator's clock, the seed)
   * @param epoch the 0-based epoch, for messages and the sampler
   * @return the loss of the batch (before the update)
   * @throws CbnsException when the loss or a gradient is NaN or infinite, before any parameter is
   *     changed, naming the step and the usual causes
   */
  public double run(InteractionBatch batch, long step, int epoch) {
    // engine randomness (dropout) as a function of the step, so a resumed run draws the same
    Engine.getInstance().setRandomSeed((int) (seed * 1_000_003L + step));
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = rowSparse ? new RowGradientStore(m) : dense;
      long[] itemIds = batch.itemIds();
      float[] logQ = new float[itemIds.length];
      frequency.logQ(itemIds, logQ);
      StepBatch b =
          new StepBatch(m.create(batch.userIds()), m.create(itemIds), m.create(logQ), itemIds);
      StepContext ctx =
          new StepContext(step, epoch, m, ids -> model.encodeItems(ps, ids, true), frequency);
      NDArray itemEmbeddings;
      float value;
      float[] hardness;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray users = model.encodeUsers(ps, b.userIds(), b.itemIds(), true);
        itemEmbeddings = model.encodeItems(ps, b.itemIds(), true);
        Candidates candidates = sampler.candidates(ctx, b, itemEmbeddings);
        NDArray rowFactors =
            userTemperatures == null ? null : m.create(userTemperatures.factors(batch.userIds()));
        NDArray lossValue =
            loss.compute(users, candidates, b.itemIds(), batchUsers(m, batch), rowFactors);
        value = lossValue.getFloat();
        if (!Float.isFinite(value)) {
          throw diverged("the loss became " + value, step, epoch);
        }
        hardness =
            userTemperatures == null ? null : loss.positiveLogOdds(users, candidates, b.itemIds());
        gc.backward(lossValue);
      }
      update(ps, step, epoch);
      if (hardness != null) {
        userTemperatures.observe(batch.userIds(), hardness);
      }
      sampler.onStepEnd(ctx, b, itemEmbeddings.stopGradient());
      frequency.observe(step, itemIds);
      return value;
    }
  }

  /** The rows' users for the loss's user-side term, or null when it is off. */
  private SampledSoftmaxLoss.BatchUsers batchUsers(NDManager m, InteractionBatch batch) {
    if (userLogQ == null) {
      return null;
    }
    long[] ids = batch.userIds();
    float[] rowLogQ = new float[ids.length];
    for (int r = 0; r < ids.length; r++) {
      rowLogQ[r] = userLogQ[(int) ids[r]];
    }
    return new SampledSoftmaxLoss.BatchUsers(ids, m.create(rowLogQ));
  }

  /**
   * Each user's {@code log q} for the loss's user-side term: the log of the user's share of the
   * train interactions, the probability that a batch row is that user's; users without train
   * interactions (never in a batch) get the share of one interaction.
   *
   * @param trainByUser the train interactions by user
   */
  public static float[] userLogQ(io.cbns.core.data.CsrMatrix trainByUser) {
    double logTotal = Math.log(Math.max(trainByUser.columns().length, 1));
    float[] out = new float[trainByUser.numRows()];
    for (int u = 0; u < out.length; u++) {
      out[u] = (float) (Math.log(Math.max(trainByUser.rowLength(u), 1)) - logTotal);
    }
    return out;
  }

  static CbnsException diverged(String what, long step, int epoch) {
    return new CbnsException(
        what
            + " at step "
            + step
            + " (epoch "
            + (epoch + 1)
            + "); training stopped and the last checkpoint was kept as it was. Usual causes: a"
            + " learning rate too high for the optimizer, a temperature too low (logits"
            + " overflow), or non-finite log q; lower optimizer.learning-rate, raise"
            + " loss.temperature, or set optimizer.clip-gradient");
  }

  /**
   * Applies the optimizer to every trainable parameter. Unlike DJL's {@code LocalParameterServer},
   * which copies each gradient first (a full copy of every embedding table per step), the optimizer
   * reads the gradient in place and zeroes it afterwards. A non-finite gradient stops training
   * before any parameter is changed.
   */
  private void update(ParameterStore ps, long step, int epoch) {
    RowGradientStore rows = ps instanceof RowGradientStore r ? r : null;
    // keyed by the parameter's path in the block, not its id: ids are random per instance, and a
    // resumed run's optimizer state must find its parameters again
    Map<String, Parameter> trainable = new LinkedHashMap<>();
    Map<String, NDArray[]> sparse = new LinkedHashMap<>();
    for (var entry : model.block().getParameters()) {
      Parameter p = entry.getValue();
      if (p.requiresGradient() && p.isInitialized()) {
        if (rows != null && rows.isRowSparse(p)) {
          sparse.put(entry.getKey(), rows.gradients(p));
        } else {
          trainable.put(entry.getKey(), p);
        }
      }
    }
    try (NDScope scope = new NDScope()) {
      NDArray total = null;
      for (Parameter p : trainable.values()) {
        NDArray sum = p.getArray().getGradient().sum();
        total = total == null ? sum : total.add(sum);
      }
      for (NDArray[] idsAndGradients : sparse.values()) {
        NDArray sum = idsAndGradients[1].sum();
        total = total == null ? sum : total.add(sum);
      }
      // one host read for all gradients: a NaN or infinity anywhere makes the sum non-finite
      if (total != null && !Float.isFinite(total.toType(DataType.FLOAT32, false).getFloat())) {
        for (var e : trainable.entrySet()) {
          if (!Float.isFinite(e.getValue().getArray().getGradient().sum().getFloat())) {
            throw diverged("the gradient of " + e.getKey() + " became non-finite", step, epoch);
          }
        }
        for (var e : sparse.entrySet()) {
          if (!Float.isFinite(e.getValue()[1].sum().getFloat())) {
            throw diverged("the gradient of " + e.getKey() + " became non-finite", step, epoch);
          }
        }
      }
    }
    for (var e : sparse.entrySet()) {
      NDArray weight = model.block().getParameters().get(e.getKey()).getArray();
      optimizer.updateRows(e.getKey(), weight, e.getValue()[0], e.getValue()[1]);
    }
    for (var e : trainable.entrySet()) {
      NDArray weight = e.getValue().getArray();
      try (NDArray grad = weight.getGradient()) {
        optimizer.update(e.getKey(), weight, grad);
      }
    }
  }

  /** Builder: {@code setX} for required parts, {@code optX} for optional ones. */
  public static final class Builder {
    private TwoTowerModel model;
    private NegativeSampler sampler;
    private FrequencyEstimator frequency;
    private LossConfig loss = LossConfig.defaults();
    private CheckpointableOptimizer optimizer;
    private NDManager manager;
    private long seed;
    private boolean rowSparse = true;
    private float[] userLogQ;
    private UserTemperatures userTemperatures;

    private Builder() {}

    public Builder setModel(TwoTowerModel model) {
      this.model = model;
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

    public Builder setOptimizer(CheckpointableOptimizer optimizer) {
      this.optimizer = optimizer;
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

    /** The run seed, from which each step's engine seed is derived (default 0). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Whether embedding tables that support it get row-sparse gradients when the optimizer wants
     * them (default true). The result is the same as with dense gradients and lazy Adam, up to
     * float rounding, except that a row looked up with an exactly zero gradient is updated too (as
     * PyTorch's SparseAdam does).
     */
    public Builder optRowSparse(boolean rowSparse) {
      this.rowSparse = rowSparse;
      return this;
    }

    /**
     * Each user's {@code log q} ({@link #userLogQ}), needed when the loss has a user-side term
     * ({@link LossConfig#userSoftmaxWeight()} positive); ignored otherwise.
     */
    public Builder optUserLogQ(float[] userLogQ) {
      this.userLogQ = userLogQ;
      return this;
    }

    /**
     * The loss's adaptive per-user temperatures, needed when {@link
     * LossConfig#userTemperatureSpread()} is positive; ignored otherwise. The step records each
     * batch's hardness into them; the caller owns their state (checkpoints) and calls {@link
     * UserTemperatures#endEpoch()} at each epoch's end.
     */
    public Builder optUserTemperatures(UserTemperatures userTemperatures) {
      this.userTemperatures = userTemperatures;
      return this;
    }

    public TrainStep build() {
      requireNonNull(model, "model is not set");
      requireNonNull(sampler, "sampler is not set");
      requireNonNull(frequency, "frequency estimator is not set");
      requireNonNull(optimizer, "optimizer is not set");
      requireNonNull(manager, "manager is not set");
      requireNonNull(loss, "loss is null");
      if (loss.userSoftmaxWeight() > 0 && userLogQ == null) {
        throw new IllegalStateException("the loss's user-side term needs optUserLogQ");
      }
      if (loss.userSoftmaxWeight() == 0) {
        userLogQ = null;
      }
      if (loss.userTemperatureSpread() > 0 && userTemperatures == null) {
        throw new IllegalStateException(
            "the loss's per-user temperatures need optUserTemperatures");
      }
      if (loss.userTemperatureSpread() == 0) {
        userTemperatures = null;
      }
      return new TrainStep(this);
    }
  }
}
