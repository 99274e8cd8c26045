package io.cbns.samplers.drift;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.cbns.core.AtomicFiles;
import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import io.cbns.core.checkpoint.Checkpointable;
import io.cbns.core.config.Options;
import io.cbns.core.train.InferenceItemEncoder;
import io.cbns.core.train.StepInfo;
import io.cbns.core.train.TrainingInfo;
import io.cbns.core.train.TrainingListener;
import io.cbns.core.train.TrainingSummary;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the feature drift of the item tower during training (docs/method.md, eq. 3; the paper's
 * Fig. 2) into {@code drift.csv} in a run directory.
 *
 * <p><b>What is measured.</b> A fixed probe set of {@code probeSize} items (all items when the
 * corpus is smaller), drawn uniformly with the given seed, is encoded with the model's current
 * parameters through {@link TrainingInfo#itemEncoder()} (inference mode, no gradient) before the
 * first step and then every {@code every} steps. A measurement taken after {@code step} optimizer
 * steps is compared with the ones taken {@code k} measurements earlier for each configured lag k,
 * and one row per lag is written:
 *
 * <pre>
 *   step, dt = k * every, D = sum_I ||g(I; theta_step) - g(I; theta_{step-dt})||_2,
 *   mean_relative_drift = mean_I ||g(I; theta_step) - g(I; theta_{step-dt})||_2 / ||g(I; theta_step)||_2
 * </pre>
 *
 * So {@code dt} in the file is always in steps; with {@code every = 1} the lags are the paper's
 * iterations exactly. Only the last {@code max(lags)} snapshots are kept on the heap ({@code
 * max(lags) * probeSize * d} floats).
 *
 * <p><b>The file.</b> Format: {@link DriftCsv}. It is created (replacing an older one) when
 * training begins, rows are appended as whole lines and flushed every {@code flushEvery}
 * measurements and when training ends; {@link DriftCsv#read} can read it at any time.
 *
 * <p><b>NDArrays.</b> Each measurement encodes into a sub-manager of the manager given with {@link
 * Builder#optManager} (use the trainer's, so that the encoding runs on the training device), or of
 * a base manager the monitor creates itself, and closes it at once. {@link #close()} (also called
 * by {@link #onTrainingEnd}) closes the file and the monitor's own manager.
 *
 * <p>Called on the training thread only; not thread-safe.
 */
public final class FeatureDriftMonitor implements TrainingListener, AutoCloseable, Checkpointable {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureDriftMonitor.class);

  public static final int DEFAULT_EVERY = 10;
  public static final int DEFAULT_PROBE_SIZE = 1000;
  public static final List<Integer> DEFAULT_LAGS = List.of(1, 5, 10);
  public static final int DEFAULT_FLUSH_EVERY = 10;

  private final Path runDirectory;
  private final Path file;
  private final int every;
  private final int probeSize;
  private final List<Integer> lags;
  private final long seed;
  private final int flushEvery;
  private final NDManager parentManager;

  private NDManager ownManager;
  private InferenceItemEncoder encoder;
  private long[] probe;
  private DriftTracker tracker;
  private Writer writer;
  private final StringBuilder pending = new StringBuilder();
  private int pendingMeasurements;
  private DriftRecord last;
  private DriftTracker restored;

  private FeatureDriftMonitor(Builder b) {
    this.runDirectory = b.runDirectory;
    this.file = RunDirectory.of(b.runDirectory).drift();
    this.every = b.every;
    this.probeSize = b.probeSize;
    this.lags = b.lags;
    this.seed = b.seed;
    this.flushEvery = b.flushEvery;
    this.parentManager = b.manager;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A monitor configured from a config section (e.g. the runner's {@code drift} section). Keys:
   * {@code every} (steps between measurements, default {@value #DEFAULT_EVERY}, in [1, 10^9]),
   * {@code probe-size} (default {@value #DEFAULT_PROBE_SIZE}, in [1, 10^7]), {@code lags} (lags in
   * measurements, default [1, 5, 10], each in [1, 10^4]), {@code flush-every} (measurements between
   * flushes, default {@value #DEFAULT_FLUSH_EVERY}, in [1, 10^6]).
   *
   * @param runDirectory where {@code drift.csv} is written
   * @param seed seed of the probe set
   * @param manager the trainer's manager (encodings run on its device), or null for an own one
   * @param options the section; every key above is read
   * @throws io.cbns.core.config.ConfigException naming the key of a bad value
   */
  public static FeatureDriftMonitor fromOptions(
      Path runDirectory, long seed, NDManager manager, Options options) {
    Builder b =
        builder()
            .setRunDirectory(runDirectory)
            .optSeed(seed)
            .optEvery(options.getInt("every", DEFAULT_EVERY, 1, 1_000_000_000))
            .optProbeSize(options.getInt("probe-size", DEFAULT_PROBE_SIZE, 1, 10_000_000))
            .optLags(options.getIntList("lags", DEFAULT_LAGS, 1, 10_000))
            .optFlushEvery(options.getInt("flush-every", DEFAULT_FLUSH_EVERY, 1, 1_000_000));
    if (manager != null) {
      b.optManager(manager);
    }
    return b.build();
  }

  /** The file this monitor writes. */
  public Path file() {
    return file;
  }

  /** Steps between measurements. */
  public int every() {
    return every;
  }

  /** Lags in measurements (the {@code dt} column is {@code lag * every}). */
  public List<Integer> lags() {
    return lags;
  }

  /** The probe items, ascending; empty before training begins. */
  public long[] probeIds() {
    return probe == null ? new long[0] : probe.clone();
  }

  /** How many snapshots are held now (at most {@code max(lags)}). */
  public int snapshotsHeld() {
    return tracker == null ? 0 : tracker.snapshotsHeld();
  }

  /** The last row written, or null. */
  public DriftRecord lastRecord() {
    return last;
  }

  @Override
  public void onTrainingBegin(TrainingInfo info) {
    requireNonNull(info, "info is null");
    closeQuietly();
    this.encoder = info.itemEncoder();
    this.probe = ProbeSets.uniform(info.dataset().numItems(), probeSize, seed);
    boolean resumed = info.resumed() && restored != null;
    this.tracker = resumed ? restored : new DriftTracker(lags);
    this.restored = null;
    pending.setLength(0);
    pendingMeasurements = 0;
    try {
      Files.createDirectories(runDirectory);
      if (resumed) {
        keepUpToStep(info.resumedAtStep());
        writer =
            Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
      } else {
        this.last = null;
        writer =
            Files.newBufferedWriter(
                file,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        writer.write(DriftCsv.HEADER + "\n");
        writer.flush();
      }
    } catch (IOException e) {
      throw new CbnsException(
          "cannot create the drift file "
              + file
              + ": "
              + e.getMessage()
              + "; check the run"
              + " directory is writable",
          e);
    }
    if (!resumed) {
      measure(0);
    }
  }

  /**
   * A resumed run: drops the lines measured after the checkpoint (they are measured again), by
   * rewriting the file atomically.
   */
  private void keepUpToStep(long step) throws IOException {
    StringBuilder kept = new StringBuilder(DriftCsv.HEADER).append('\n');
    if (Files.exists(file)) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 1; i < lines.size(); i++) {
        String line = lines.get(i);
        int comma = line.indexOf(',');
        if (comma > 0 && Long.parseLong(line.substring(0, comma)) <= step) {
          kept.append(line).append('\n');
        }
      }
    }
    AtomicFiles.writeString(file, kept.toString());
  }

  /** Flushes what was measured, then writes the drift snapshots. */
  @Override
  public void saveState(DataOutputStream out) throws IOException {
    if (writer != null) {
      flush();
    }
    out.writeBoolean(tracker != null);
    if (tracker != null) {
      tracker.saveState(out);
    }
  }

  /** Reads the snapshots; {@link #onTrainingBegin} of the resumed run continues from them. */
  @Override
  public void loadState(DataInputStream in) throws IOException {
    restored = null;
    if (in.readBoolean()) {
      restored = new DriftTracker(lags);
      restored.loadState(in);
    }
  }

  @Override
  public void onStep(StepInfo step) {
    long done = step.step() + 1;
    if (tracker != null && done % every == 0) {
      measure(done);
    }
  }

  @Override
  public void onTrainingEnd(TrainingSummary summary) {
    close();
  }

  /** Writes what is pending and closes the file and the monitor's own manager; idempotent. */
  @Override
  public void close() {
    if (writer != null) {
      flush();
    }
    closeQuietly();
  }

  private void measure(long step) {
    float[] embeddings;
    NDManager parent = parentManager != null ? parentManager : ownManager();
    try (NDManager m = parent.newSubManager()) {
      NDArray v = encoder.encode(m, probe);
      embeddings = v.stopGradient().toType(DataType.FLOAT32, false).toFloatArray();
    }
    for (DriftMeasurement d : tracker.record(embeddings, probe.length)) {
      last = new DriftRecord(step, (long) d.lag() * every, d.drift(), d.meanRelativeDrift());
      pending.append(DriftCsv.format(last)).append('\n');
      LOG.debug("feature drift {}", last);
    }
    if (++pendingMeasurements >= flushEvery) {
      flush();
    }
  }

  private NDManager ownManager() {
    if (ownManager == null) {
      ownManager = NDManager.newBaseManager();
    }
    return ownManager;
  }

  private void flush() {
    try {
      // one write of whole lines, so a concurrent reader sees at most one unfinished line
      writer.write(pending.toString());
      writer.flush();
    } catch (IOException e) {
      throw new CbnsException("cannot write the drift file " + file + ": " + e.getMessage(), e);
    }
    pending.setLength(0);
    pendingMeasurements = 0;
  }

  private void closeQuietly() {
    if (writer != null) {
      try {
        writer.close();
      } catch (IOException e) {
        LOG.warn("closing {} failed: {}", file, e.getMessage());
      }
      writer = null;
    }
    if (ownManager != null) {
      ownManager.close();
      ownManager = null;
    }
  }

  /** Builder: {@code setX} for required settings, {@code optX} for optional ones. */
  public static final class Builder {
    private Path runDirectory;
    private int every = DEFAULT_EVERY;
    private int probeSize = DEFAULT_PROBE_SIZE;
    private List<Integer> lags = DEFAULT_LAGS;
    private long seed;
    private int flushEvery = DEFAULT_FLUSH_EVERY;
    private NDManager manager;

    private Builder() {}

    /** The run directory; {@code drift.csv} is written there (created if missing). */
    public Builder setRunDirectory(Path runDirectory) {
      this.runDirectory = runDirectory;
      return this;
    }

    /** Steps between measurements, at least 1 (default {@value #DEFAULT_EVERY}). */
    public Builder optEvery(int every) {
      this.every = every;
      return this;
    }

    /** Probe items (default {@value #DEFAULT_PROBE_SIZE}; all items when fewer). */
    public Builder optProbeSize(int probeSize) {
      this.probeSize = probeSize;
      return this;
    }

    /** Lags in measurements, each at least 1 (default 1, 5, 10). */
    public Builder optLags(List<Integer> lags) {
      this.lags = lags;
      return this;
    }

    /** Seed of the probe set (default 0). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Measurements between two flushes of the file, at least 1 (default 10). */
    public Builder optFlushEvery(int flushEvery) {
      this.flushEvery = flushEvery;
      return this;
    }

    /**
     * The manager under which each measurement opens a short-lived sub-manager; pass the trainer's
     * so the probe is encoded on the training device. Not closed by the monitor. Default: a base
     * manager of the monitor's own.
     */
    public Builder optManager(NDManager manager) {
      this.manager = requireNonNull(manager, "manager is null");
      return this;
    }

    public FeatureDriftMonitor build() {
      requireNonNull(runDirectory, "runDirectory is not set");
      requireNonNull(lags, "lags is null");
      if (every < 1 || probeSize < 1 || flushEvery < 1) {
        throw new IllegalArgumentException("every, probeSize and flushEvery must be >= 1");
      }
      lags = new DriftTracker(lags).lags();
      return new FeatureDriftMonitor(this);
    }
  }
}
