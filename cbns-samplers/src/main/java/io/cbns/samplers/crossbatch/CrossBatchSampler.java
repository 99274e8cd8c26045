package io.cbns.samplers.crossbatch;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import io.cbns.samplers.sampler.InBatchSampler;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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
 * <p><b>Warm-up</b>: see {@link Warmup}; the rule's own state (probe, drift measurements) is a
 * {@link WarmupState}, and this class keeps only the bank and the latched switch. The switch is
 * logged once (INFO) with its reason, and available from {@link #activationStep()} and {@link
 * #activationReason()}.
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
  private final FifoMemoryBank bank;
  private final WarmupState warmupState;

  /** The step from which the bank has been used (latched: once on, it stays on), or -1. */
  private long activationStep = -1;

  private String activationReason;

  private CrossBatchSampler(Builder b) {
    this.bankSize = b.bankSize;
    this.mode = b.mode;
    this.warmup = b.warmup;
    this.bank =
        bankSize == 0
            ? null
            : new FifoMemoryBank(b.manager, bankSize, b.dimension, mode == BankMode.EMBEDDINGS);
    this.warmupState = WarmupState.start(warmup, b.numItems, b.seed);
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
    return warmupState.lastRelativeDrift();
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
      activationReason = warmupState.reason();
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
    NDArray embeddings = NDArrays.concat(new NDList(batchItemEmbeddings, bankEmbeddings));
    return new Candidates(
        embeddings,
        NDArrays.concat(new NDList(batch.itemLogQ(), bank.logQ(m))),
        NDArrays.concat(new NDList(batch.itemIds(), bankIds)),
        true,
        // cached embeddings are constants: the loss skips their gradient
        mode == BankMode.EMBEDDINGS
            ? batchItemEmbeddings.getShape().get(0)
            : embeddings.getShape().get(0));
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
    if (activationStep < 0) {
      warmupState.afterStep(ctx, batch);
    }
  }

  /** The bank size, the bank mode and the warm-up rule in force ({@code auto} resolved). */
  @Override
  public java.util.Map<String, String> effectiveOptions() {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("bank-size", String.valueOf(bankSize));
    m.put("mode", mode.configName());
    warmupState.effectiveOptions(m);
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
    return fill + "), off: " + warmupState.waiting();
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
    warmupState.saveState(out);
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
    warmupState.loadState(in);
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
    return bank != null && (activationStep >= 0 || warmupState.reached(step));
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
