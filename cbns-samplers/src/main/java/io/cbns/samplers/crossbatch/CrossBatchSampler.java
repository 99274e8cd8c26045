package io.cbns.samplers.crossbatch;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.cbns.core.checkpoint.StateIo;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import io.cbns.samplers.drift.DriftMeasurement;
import io.cbns.samplers.drift.DriftTracker;
import io.cbns.samplers.drift.ProbeSets;
import io.cbns.samplers.sampler.InBatchSampler;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-Batch Negative Sampling (docs/method.md, "Cross-batch negatives"): in-batch negatives
 * during a warm-up, then the batch's positives plus the entries of a FIFO memory bank of the item
 * columns of recent batches.
 *
 * <p><b>Candidates</b> once the bank is on: columns {@code [0, B)} are the batch (with gradient,
 * its own log q and ids), columns {@code [B, B + F)} the F written bank slots with the log q and
 * ids recorded when they were enqueued; every column is a negative of every other row (accidental
 * hits are masked by the loss when masking is on, using the ids). In {@link BankMode#EMBEDDINGS}
 * mode the bank columns are the stored, detached embeddings; in {@link BankMode#IDS} mode the
 * stored ids are re-encoded with gradient through {@link StepContext#itemEncoder()}. Assembling the
 * candidates copies {@code (B + F) * d} floats (the core {@link Candidates} is one array), a small
 * fraction of the {@code B * (B + F) * d} logits matmul.
 *
 * <p><b>Bank updates</b> happen in {@link #onStepEnd}, after the optimizer step, during warm-up
 * too: the step's detached item embeddings, log q and ids are written in place into the ring buffer
 * ({@link FifoMemoryBank}), {@code O(B * d)} per step. A bank size of 0 makes the sampler plain
 * in-batch.
 *
 * <p><b>Warm-up</b>: see {@link Warmup}. The switch is logged once (INFO) with its reason, and
 * available from {@link #activationStep()} and {@link #activationReason()}.
 *
 * <p><b>NDArrays</b>: the bank lives in a sub-manager of the manager given to the builder and is
 * freed by {@link #close()}; everything else a step creates is attached to the step's manager. Not
 * thread-safe.
 */
public final class CrossBatchSampler implements NegativeSampler {
  private static final Logger LOG = LoggerFactory.getLogger(CrossBatchSampler.class);

  private final int bankSize;
  private final BankMode mode;
  private final Warmup warmup;
  private final int numItems;
  private final long seed;
  private final FifoMemoryBank bank;
  private final DriftTracker tracker;

  private LinkedHashSet<Long> probeCollector = new LinkedHashSet<>();
  private long[] probe;
  private double lastRelativeDrift = Double.NaN;
  private long lastDriftStep = -1;
  private long decidedFrom = -1;
  private String decidedReason;
  private long activationStep = -1;
  private String activationReason;

  private CrossBatchSampler(Builder b) {
    this.bankSize = b.bankSize;
    this.mode = b.mode;
    this.warmup = b.warmup;
    this.numItems = b.numItems;
    this.seed = b.seed;
    this.bank =
        bankSize == 0
            ? null
            : new FifoMemoryBank(b.manager, bankSize, b.dimension, mode == BankMode.EMBEDDINGS);
    this.tracker =
        warmup instanceof Warmup.Drift && bank != null ? new DriftTracker(List.of(1)) : null;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** M. */
  public int bankSize() {
    return bankSize;
  }

  public BankMode mode() {
    return mode;
  }

  public Warmup warmup() {
    return warmup;
  }

  /** Written bank slots (0 when the bank size is 0). */
  public int bankFill() {
    return bank == null ? 0 : bank.size();
  }

  /** The step from which the bank has been used, once it has. */
  public OptionalLong activationStep() {
    return activationStep < 0 ? OptionalLong.empty() : OptionalLong.of(activationStep);
  }

  /** Why the bank was switched on (what was logged), once it was. */
  public Optional<String> activationReason() {
    return Optional.ofNullable(activationReason);
  }

  /** The last relative drift measured by the drift warm-up, if any. */
  public OptionalDouble lastRelativeDrift() {
    return Double.isNaN(lastRelativeDrift)
        ? OptionalDouble.empty()
        : OptionalDouble.of(lastRelativeDrift);
  }

  /** The bank, or null when the bank size is 0; for tests. */
  FifoMemoryBank bank() {
    return bank;
  }

  @Override
  public Candidates candidates(StepContext ctx, StepBatch batch, NDArray batchItemEmbeddings) {
    requireNonNull(ctx, "ctx is null");
    if (!bankActive(ctx.step())) {
      return InBatchSampler.of(batch, batchItemEmbeddings);
    }
    if (activationStep < 0) {
      activationStep = ctx.step();
      activationReason = reason();
      LOG.info(
          "cross-batch: memory bank on from step {} ({}); bank holds {}/{} entries, mode {}",
          activationStep,
          activationReason,
          bank.size(),
          bankSize,
          mode.configName());
    }
    if (bank.size() == 0) {
      return InBatchSampler.of(batch, batchItemEmbeddings);
    }
    NDManager m = ctx.manager();
    NDArray bankIds = bank.itemIds(m);
    NDArray bankEmbeddings =
        mode == BankMode.EMBEDDINGS
            ? bank.embeddings(m)
            // a copy: the encoder's graph may keep its index input, and the bank is rewritten in
            // place at the end of the step
            : ctx.itemEncoder().encode(bankIds.duplicate());
    return new Candidates(
        NDArrays.concat(new NDList(batchItemEmbeddings, bankEmbeddings)),
        NDArrays.concat(new NDList(batch.itemLogQ(), bank.logQ(m))),
        NDArrays.concat(new NDList(batch.itemIds(), bankIds)),
        true);
  }

  @Override
  public void onStepEnd(StepContext ctx, StepBatch batch, NDArray detachedItemEmbeddings) {
    requireNonNull(ctx, "ctx is null");
    if (bank == null) {
      return;
    }
    bank.enqueue(
        mode == BankMode.EMBEDDINGS ? detachedItemEmbeddings : null,
        batch.itemLogQ(),
        batch.itemIds());
    if (tracker != null && decidedFrom < 0 && activationStep < 0) {
      measureDrift(ctx, batch, (Warmup.Drift) warmup);
    }
  }

  /** The bank size, the bank mode and the warm-up rule in force ({@code auto} resolved). */
  @Override
  public java.util.Map<String, String> effectiveOptions() {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("bank-size", String.valueOf(bankSize));
    m.put("mode", mode.configName());
    if (warmup instanceof Warmup.Fixed f) {
      m.put("warmup-steps", String.valueOf(f.steps()));
    } else {
      Warmup.Drift d = (Warmup.Drift) warmup;
      m.put("warmup-steps", "drift");
      m.put("drift-threshold", String.valueOf(d.threshold()));
      m.put("max-warmup-steps", String.valueOf(d.maxSteps()));
    }
    return m;
  }

  @Override
  public String describeState() {
    if (bank == null) {
      return "cross-batch: bank-size 0, in-batch only";
    }
    String fill = "cross-batch: bank " + bank.size() + "/" + bankSize + " (" + mode.configName();
    if (activationStep >= 0) {
      return fill + "), on since step " + activationStep;
    }
    if (warmup instanceof Warmup.Fixed f) {
      return fill + "), off: warm-up until step " + f.steps();
    }
    Warmup.Drift a = (Warmup.Drift) warmup;
    String drift =
        lastDriftStep < 0
            ? "no drift measured yet"
            : String.format(
                Locale.ROOT, "relative drift %.4g at step %d", lastRelativeDrift, lastDriftStep);
    return String.format(
        Locale.ROOT,
        "%s), off: drift warm-up, %s (threshold %.4g, on at step %d at the latest)",
        fill,
        drift,
        a.threshold(),
        a.maxSteps());
  }

  /**
   * Writes the bank (contents, write position, fill) and the warm-up's state: the probe, the drift
   * snapshots, and when and why the bank was (or was decided to be) switched on.
   */
  @Override
  public void saveState(DataOutputStream out) throws IOException {
    out.writeBoolean(bank != null);
    if (bank == null) {
      return;
    }
    bank.saveState(out);
    out.writeLong(activationStep);
    out.writeUTF(activationReason == null ? "" : activationReason);
    out.writeLong(decidedFrom);
    out.writeUTF(decidedReason == null ? "" : decidedReason);
    out.writeLong(lastDriftStep);
    out.writeDouble(lastRelativeDrift);
    out.writeBoolean(probe != null);
    StateIo.writeLongs(
        out, probe != null ? probe : probeCollector.stream().mapToLong(Long::longValue).toArray());
    out.writeBoolean(tracker != null);
    if (tracker != null) {
      tracker.saveState(out);
    }
  }

  @Override
  public void loadState(DataInputStream in) throws IOException {
    boolean hasBank = in.readBoolean();
    if (hasBank != (bank != null)) {
      throw new IOException(
          "the checkpoint's bank-size does not match this run's (" + bankSize + ")");
    }
    if (bank == null) {
      return;
    }
    bank.loadState(in);
    activationStep = in.readLong();
    activationReason = emptyToNull(in.readUTF());
    decidedFrom = in.readLong();
    decidedReason = emptyToNull(in.readUTF());
    lastDriftStep = in.readLong();
    lastRelativeDrift = in.readDouble();
    boolean fixedProbe = in.readBoolean();
    long[] ids = StateIo.readLongs(in, -1, "cross-batch drift probe");
    if (fixedProbe) {
      probe = ids;
      probeCollector = null;
    } else {
      probe = null;
      probeCollector = new LinkedHashSet<>();
      for (long id : ids) {
        probeCollector.add(id);
      }
    }
    boolean hasTracker = in.readBoolean();
    if (hasTracker != (tracker != null)) {
      throw new IOException("the checkpoint's warm-up does not match this run's (" + warmup + ")");
    }
    if (tracker != null) {
      tracker.loadState(in);
    }
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }

  @Override
  public void close() {
    if (bank != null) {
      bank.close();
    }
  }

  private boolean bankActive(long step) {
    if (bank == null) {
      return false;
    }
    if (activationStep >= 0) {
      return true;
    }
    if (warmup instanceof Warmup.Fixed f) {
      return step >= f.steps();
    }
    Warmup.Drift a = (Warmup.Drift) warmup;
    return (decidedFrom >= 0 && step >= decidedFrom) || step >= a.maxSteps();
  }

  private String reason() {
    if (warmup instanceof Warmup.Fixed f) {
      return f.steps() == 0 ? "no warm-up" : "fixed warm-up of " + f.steps() + " steps";
    }
    Warmup.Drift a = (Warmup.Drift) warmup;
    if (decidedReason != null) {
      return decidedReason;
    }
    String drift =
        lastDriftStep < 0
            ? "no drift measured yet"
            : String.format(
                Locale.ROOT,
                "last relative drift %.4g at step %d, threshold %.4g",
                lastRelativeDrift,
                lastDriftStep,
                a.threshold());
    return "drift warm-up reached max-warmup-steps " + a.maxSteps() + " (" + drift + ")";
  }

  private void measureDrift(StepContext ctx, StepBatch batch, Warmup.Drift a) {
    if (probe == null && a.probe() == DriftProbe.POSITIVES) {
      for (long id : batch.hostItemIds()) {
        if (probeCollector.size() >= a.probeSize()) {
          break;
        }
        probeCollector.add(id);
      }
    }
    long done = ctx.step() + 1;
    if (done % a.interval() != 0) {
      return;
    }
    if (probe == null) {
      probe =
          a.probe() == DriftProbe.UNIFORM
              ? ProbeSets.uniform(numItems, a.probeSize(), seed)
              : probeCollector.stream().mapToLong(Long::longValue).toArray();
      probeCollector = null;
    }
    NDManager m = ctx.manager();
    float[] embeddings =
        ctx.itemEncoder()
            .encode(m.create(probe))
            .stopGradient()
            .toType(DataType.FLOAT32, false)
            .toFloatArray();
    List<DriftMeasurement> drift = tracker.record(embeddings, probe.length);
    if (drift.isEmpty()) {
      return;
    }
    lastRelativeDrift = drift.get(0).meanRelativeDrift();
    lastDriftStep = done;
    if (lastRelativeDrift < a.threshold()) {
      decidedFrom = done;
      decidedReason =
          String.format(
              Locale.ROOT,
              "drift warm-up: relative drift %.4g of %d probe items over the %d steps to step %d"
                  + " fell below drift-threshold %.4g",
              lastRelativeDrift,
              probe.length,
              a.interval(),
              done,
              a.threshold());
    }
  }

  /** Builder: {@code setX} for required settings, {@code optX} for optional ones. */
  public static final class Builder {
    private NDManager manager;
    private int dimension;
    private int numItems;
    private int bankSize = CrossBatchSamplerFactory.DEFAULT_BANK_SIZE;
    private Warmup warmup = Warmup.fixed(0);
    private BankMode mode = BankMode.EMBEDDINGS;
    private long seed;

    private Builder() {}

    /** The manager under which the bank's sub-manager is created (long-lived; not closed here). */
    public Builder setManager(NDManager manager) {
      this.manager = manager;
      return this;
    }

    /** The embedding dimension d, at least 1. */
    public Builder setDimension(int dimension) {
      this.dimension = dimension;
      return this;
    }

    /** The corpus size; required for a {@link DriftProbe#UNIFORM} probe. */
    public Builder optNumItems(int numItems) {
      this.numItems = numItems;
      return this;
    }

    /** M, at least 0 (default 3072; 0: plain in-batch). */
    public Builder optBankSize(int bankSize) {
      this.bankSize = bankSize;
      return this;
    }

    /** The warm-up (default: none, {@code Warmup.fixed(0)}). */
    public Builder optWarmup(Warmup warmup) {
      this.warmup = warmup;
      return this;
    }

    /** What the bank keeps (default {@link BankMode#EMBEDDINGS}). */
    public Builder optMode(BankMode mode) {
      this.mode = mode;
      return this;
    }

    /** Seed of a uniform drift probe (default 0). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    public CrossBatchSampler build() {
      requireNonNull(manager, "manager is not set");
      requireNonNull(warmup, "warmup is null");
      requireNonNull(mode, "mode is null");
      if (dimension < 1) {
        throw new IllegalArgumentException("dimension must be >= 1, got " + dimension);
      }
      if (bankSize < 0) {
        throw new IllegalArgumentException("bankSize must be >= 0, got " + bankSize);
      }
      if (warmup instanceof Warmup.Drift a && a.probe() == DriftProbe.UNIFORM && numItems < 1) {
        throw new IllegalArgumentException("a uniform drift probe needs numItems >= 1");
      }
      return new CrossBatchSampler(this);
    }
  }
}
