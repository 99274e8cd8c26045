package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
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
public final class TrainStep implements AutoCloseable {
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
  // whether the towers' outputs are L2-normalised before the sampler and the loss see them
  private final boolean cosine;
  // adaptive per-user temperatures of the loss, or null
  private final UserTemperatures userTemperatures;
  // no parameter server: parameters are read in place and updated by update()
  private final ParameterStore dense;
  // the other devices' copies of the model in a data-parallel step, or null on one device
  private final Replicas replicas;

  private TrainStep(Builder b) {
    this.model = b.model;
    this.sampler = b.sampler;
    this.frequency = b.frequency;
    this.loss = new SampledSoftmaxLoss(b.loss, b.knownPositives);
    this.cosine = b.loss.cosine();
    this.optimizer = b.optimizer;
    this.manager = b.manager;
    this.seed = b.seed;
    this.rowSparse = b.rowSparse && optimizer.rowSparse();
    this.userLogQ = b.userLogQ;
    this.userTemperatures = b.userTemperatures;
    this.dense = new ParameterStore(manager, false);
    this.replicas = b.devices.size() > 1 ? new Replicas(model, manager, b.devices) : null;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The number of replicas a batch is split over: the devices given, 1 by default. */
  public int replicas() {
    return replicas == null ? 1 : replicas.size();
  }

  /**
   * Tells the step that the model's parameters were replaced outside it (a checkpoint loaded, the
   * best epoch restored): the replicas copy them again before the next step. Nothing to do on one
   * device.
   */
  public void parametersReplaced() {
    if (replicas != null) {
      replicas.invalidate();
    }
  }

  /** Frees the replicas' copies; nothing to do on one device. */
  @Override
  public void close() {
    if (replicas != null) {
      replicas.close();
    }
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
          new StepContext(
              step, epoch, m, ids -> scored(model.encodeItems(ps, ids, true)), frequency);
      Shard[] shards = shards(batch, b, m, ps);
      try {
        NDArray itemEmbeddings;
        float value;
        float[] hardness = null;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          for (Shard s : shards) {
            NDList encoded = model.encodeBatch(s.ps, s.batch.userIds(), s.batch.itemIds(), true);
            s.users = scored(encoded.get(0));
            s.items = scored(encoded.get(1));
          }
          // the whole batch's items, in row order on the training device, with gradient: the
          // sampler sees the batch as on one device, once per step
          itemEmbeddings = shards.length == 1 ? shards[0].items : gathered(m, shards);
          Candidates all = sampler.candidates(ctx, b, itemEmbeddings);
          NDArray lossValue = null;
          for (Shard s : shards) {
            s.candidates = shards.length == 1 ? all : blockFirst(all, s, b.size());
            NDManager sm = s.batch.userIds().getManager();
            s.batchUsers = batchUsers(sm, s.host);
            NDArray rowFactors =
                userTemperatures == null
                    ? null
                    : sm.create(userTemperatures.factors(s.host.userIds()));
            NDArray shardLoss =
                loss.compute(s.users, s.candidates, s.batch.itemIds(), s.batchUsers, rowFactors);
            if (shards.length > 1) {
              // the mean over the whole batch: each block's mean weighted by its share of rows.
              // The weight is an engine-made array kept until the step ends: autograd saves it for
              // the backward pass, and mul(Number) would free its host buffer right away
              NDArray weight =
                  m.full(new Shape(), (float) s.host.size() / batch.size(), DataType.FLOAT32);
              shardLoss = shardLoss.toDevice(m.getDevice(), false).mul(weight);
            }
            lossValue = lossValue == null ? shardLoss : lossValue.add(shardLoss);
          }
          value = lossValue.getFloat();
          if (!Float.isFinite(value)) {
            throw diverged("the loss became " + value, step, epoch);
          }
          if (userTemperatures != null) {
            hardness = new float[batch.size()];
            for (Shard s : shards) {
              float[] part =
                  loss.positiveLogOdds(s.users, s.candidates, s.batch.itemIds(), s.batchUsers);
              System.arraycopy(part, 0, hardness, s.from, part.length);
            }
          }
          gc.backward(lossValue);
        }
        update(ps, step, epoch);
        if (hardness != null) {
          userTemperatures.observe(batch.userIds(), hardness);
        }
        sampler.onStepEnd(ctx, b, itemEmbeddings.stopGradient());
        frequency.observe(step, itemIds);
        return value;
      } finally {
        for (int r = 1; r < shards.length; r++) {
          shards[r].manager.close();
        }
      }
    }
  }

  /**
   * The vectors the sampler and the loss score: the towers' outputs, L2-normalised when the loss
   * scores by cosine ({@link LossConfig#cosine()}).
   */
  NDArray scored(NDArray encodings) {
    return cosine ? encodings.normalize(2, 1, 1e-12) : encodings;
  }

  /**
   * The batch split into one contiguous block of rows per replica (sizes differing by at most one;
   * fewer replicas than devices when the batch has fewer rows); one shard, the batch itself,
   * without replicas.
   */
  private Shard[] shards(InteractionBatch batch, StepBatch b, NDManager m, ParameterStore ps) {
    if (replicas == null) {
      return new Shard[] {new Shard(0, batch, b, m, ps)};
    }
    replicas.ensureCurrent();
    int n = batch.size();
    int k = Math.min(replicas.size(), n);
    Shard[] shards = new Shard[k];
    for (int r = 0; r < k; r++) {
      int from = (int) ((long) n * r / k);
      int to = (int) ((long) n * (r + 1) / k);
      InteractionBatch host =
          new InteractionBatch(
              Arrays.copyOfRange(batch.userIds(), from, to),
              Arrays.copyOfRange(batch.itemIds(), from, to));
      // the shard owns rm from here; run() closes every replica's manager
      NDManager rm = replicas.newStepManager(r, m);
      shards[r] = new Shard(from, host, null, rm, replicas.store(r, rm, ps));
      shards[r].batch =
          new StepBatch(
              rm.create(host.userIds()),
              rm.create(host.itemIds()),
              onDevice(b.itemLogQ().get(from + ":" + to), rm),
              host.itemIds());
    }
    return shards;
  }

  /**
   * Every block's items, concatenated in row order on the training device. With gradient: the
   * copies are recorded, so the gradient an item gets from any block's rows flows back to the
   * replica that encoded it.
   */
  private static NDArray gathered(NDManager m, Shard[] shards) {
    NDList parts = new NDList();
    for (Shard s : shards) {
      parts.add(onDevice(s.items, m));
    }
    NDArray all = NDArrays.concat(parts);
    all.attach(m);
    return all;
  }

  /**
   * The whole batch's candidates for one block, on the block's device: the block's own columns
   * first (so that column {@code i} is still row {@code i}'s positive), then the other blocks'
   * (only when batch columns are negatives; masked out otherwise, as on one device), then the
   * sampler's extra columns. Every row sees the columns it would see on one device, so the loss and
   * its gradient are the one-device ones.
   */
  private static Candidates blockFirst(Candidates all, Shard s, int batchSize) {
    NDManager rm = s.manager;
    int from = s.from;
    int to = from + s.host.size();
    List<String> slices = new java.util.ArrayList<>();
    slices.add(from + ":" + to);
    long batchColumns = to - from;
    if (all.batchNegatives()) {
      if (from > 0) {
        slices.add("0:" + from);
      }
      if (to < batchSize) {
        slices.add(to + ":" + batchSize);
      }
      batchColumns = batchSize;
    }
    if (all.size() > batchSize) {
      slices.add(batchSize + ":");
    }
    NDArray embeddings = columns(all.embeddings(), slices, rm);
    // the extra columns keep their order after the batch's, so the constant ones stay last
    long gradientColumns =
        all.gradientColumns() < batchSize
            ? embeddings.getShape().get(0)
            : batchColumns + all.gradientColumns() - batchSize;
    return new Candidates(
        embeddings,
        columns(all.logQ(), slices, rm),
        columns(all.itemIds(), slices, rm),
        all.batchNegatives(),
        gradientColumns);
  }

  /** The rows {@code slices} of {@code a}, concatenated, on the device of {@code m}. */
  private static NDArray columns(NDArray a, List<String> slices, NDManager m) {
    NDList parts = new NDList();
    for (String slice : slices) {
      // a slice belongs to the manager of a (the step's, on the training device)
      parts.add(a.get(slice));
    }
    NDArray joined = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts);
    return onDevice(joined, m);
  }

  /** {@code a} on the device of {@code m}: itself when it is there already, else a copy in m. */
  private static NDArray onDevice(NDArray a, NDManager m) {
    if (a.getDevice().equals(m.getDevice())) {
      return a;
    }
    NDArray moved = a.toDevice(m.getDevice(), false);
    moved.attach(m);
    return moved;
  }

  /** One replica's part of a step: its rows, arrays, manager and parameter store. */
  private static final class Shard {
    final int from;
    final InteractionBatch host;
    final NDManager manager;
    final ParameterStore ps;
    StepBatch batch;
    NDArray users;
    NDArray items;
    Candidates candidates;
    // the block's users for the loss (and its log q for the user-side term), or null; made once
    // per step, read by the loss and by the hardness of per-user temperatures
    SampledSoftmaxLoss.BatchUsers batchUsers;

    Shard(int from, InteractionBatch host, StepBatch batch, NDManager manager, ParameterStore ps) {
      this.from = from;
      this.host = host;
      this.batch = batch;
      this.manager = manager;
      this.ps = ps;
    }
  }

  /**
   * The rows' users for the loss's user-side term (with their log q) and for masking known
   * positives, or null when neither is on.
   */
  private SampledSoftmaxLoss.BatchUsers batchUsers(NDManager m, InteractionBatch batch) {
    if (userLogQ == null) {
      return loss.config().maskKnownPositives()
          ? new SampledSoftmaxLoss.BatchUsers(batch.userIds())
          : null;
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
  public static float[] userLogQ(CsrMatrix trainByUser) {
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
    if (replicas != null) {
      // the replicas' gradients of dense parameters join the model's before the check
      trainable.values().forEach(replicas::addGradients);
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
      Parameter p = model.block().getParameters().get(e.getKey());
      optimizer.updateRows(e.getKey(), p.getArray(), e.getValue()[0], e.getValue()[1]);
      if (replicas != null) {
        replicas.copyRows(p, e.getValue()[0]);
      }
    }
    for (var e : trainable.entrySet()) {
      NDArray weight = e.getValue().getArray();
      try (NDArray grad = weight.getGradient()) {
        optimizer.update(e.getKey(), weight, grad);
      }
      if (replicas != null) {
        replicas.copy(e.getValue());
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
    private CsrMatrix knownPositives;
    private UserTemperatures userTemperatures;
    private List<Device> devices = List.of();

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
     * Each user's train items (the train split by user), the known positives that {@link
     * LossConfig#maskKnownPositives()} removes from each row's negatives; needed when that is on,
     * ignored otherwise.
     */
    public Builder optKnownPositives(CsrMatrix knownPositives) {
      this.knownPositives = knownPositives;
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

    /**
     * Data parallelism: each batch is split into one block of rows per device, each encoded by a
     * replica of the model on its device. The sampler sees the whole batch once per step, on the
     * first device, as on one device (a memory bank receives every device's items); every block's
     * rows then get the whole batch's candidate columns on their device, the copies recorded, so
     * that the loss and its gradient are those of one device, up to float rounding. The replicas'
     * gradients are summed into the model, which the optimizer updates, and the rows and parameters
     * it changed are copied back into the replicas. The first device must be the {@link #setManager
     * manager}'s. Default: no list, one device (the manager's); a list of one device is the same.
     * Several entries may name the same device (replicas on one CPU): slower than one replica, but
     * the same arithmetic, which is how it is tested without accelerators.
     */
    public Builder optDevices(List<Device> devices) {
      this.devices = List.copyOf(devices);
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
      if (loss.maskKnownPositives() && knownPositives == null) {
        throw new IllegalStateException(
            "masking the loss's known positives needs optKnownPositives");
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
