package io.cbns.runner;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.inject.Guice;
import io.cbns.core.AtomicFiles;
import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import io.cbns.core.checkpoint.Checkpointable;
import io.cbns.core.config.ConfigException;
import io.cbns.core.data.DatasetInfo;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.core.optim.PlateauSchedule;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.core.train.Checkpointing;
import io.cbns.core.train.MetricsFileListener;
import io.cbns.core.train.Trainer;
import io.cbns.core.train.TrainingListener;
import io.cbns.core.train.TrainingSummary;
import io.cbns.core.train.ValidationScores;
import io.cbns.runner.commands.VersionProvider;
import io.cbns.runner.config.ConfigLoader;
import io.cbns.runner.config.RunConfig;
import io.cbns.runner.report.DriftChart;
import io.cbns.runner.report.HtmlReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run, from a validated configuration to a run directory. The run's parts (dataset,
 * towers, sampler, frequency estimator, schedule and optimizer, listener plugins) come from a
 * {@link RunModule} injector built from the configuration and the discovered plugins; this class
 * checks that every key was read, creates the run directory only then, trains, and writes the
 * outputs.
 *
 * <p>The run directory's files are those of {@link RunDirectory}, each written atomically.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final PluginRegistry plugins;
  private final Clock clock;

  public TrainJob(PluginRegistry plugins, Clock clock) {
    this.plugins = requireNonNull(plugins, "plugins is null");
    this.clock = requireNonNull(clock, "clock is null");
  }

  /** What a run produced. */
  public record Result(Path runDir, TrainingSummary summary) {}

  /**
   * Runs the training described by {@code tree}.
   *
   * @param tree the configuration tree (YAML file plus overrides)
   * @param out where progress and the final table go
   * @param interactive whether {@code out} is a terminal (progress bars) or a log (plain lines)
   * @param extraListeners listeners to add (tests, reports)
   */
  public Result run(
      Map<String, Object> tree,
      PrintWriter out,
      boolean interactive,
      List<TrainingListener> extraListeners) {
    return run(tree, out, interactive, extraListeners, null, () -> false);
  }

  /**
   * Continues the run in {@code runDir} from its checkpoint, with its own {@code config.yaml}.
   *
   * @param stopRequest polled after every step; true stops training after a checkpoint
   */
  public Result resume(
      Path runDir,
      PrintWriter out,
      boolean interactive,
      List<TrainingListener> extraListeners,
      BooleanSupplier stopRequest) {
    RunDirectory run = RunDirectory.of(runDir);
    Path config = run.config();
    if (!Files.isRegularFile(config)) {
      throw new CbnsException(
          "cannot resume "
              + runDir
              + ": it has no "
              + RunDirectory.CONFIG_FILE
              + " (is it a run directory?)");
    }
    if (run.completed()) {
      throw new CbnsException(
          "run "
              + runDir
              + " has already completed (its "
              + RunDirectory.SUMMARY_FILE
              + " exists)");
    }
    return run(
        ConfigLoader.load(config, List.of()),
        out,
        interactive,
        extraListeners,
        runDir,
        stopRequest);
  }

  /**
   * Runs the training described by {@code tree}, or continues the one in {@code resumeDir}.
   *
   * @param resumeDir the run directory to continue from its checkpoint, or null for a new run
   * @param stopRequest polled after every step; true stops training after a checkpoint
   */
  public Result run(
      Map<String, Object> tree,
      PrintWriter out,
      boolean interactive,
      List<TrainingListener> extraListeners,
      Path resumeDir,
      BooleanSupplier stopRequest) {
    RunConfig cfg = RunConfig.parse(tree, plugins.listeners().keySet());
    configureThreads(cfg.threads());
    try (RunResources resources = new RunResources()) {
      RunModule.Parts parts =
          RunModule.parts(
              Guice.createInjector(new RunModule(cfg, plugins, clock, resumeDir, resources)));
      // the listeners are closed right after training, before the reports read their files
      try (RunResources listeners = new RunResources()) {
        parts.listeners().values().stream()
            .filter(AutoCloseable.class::isInstance)
            .forEach(l -> listeners.register((AutoCloseable) l));
        // every part has read its keys: what is left over is a typo
        cfg.checkNoUnknownKeys();
        return train(
            cfg,
            parts,
            listeners,
            out,
            interactive,
            extraListeners,
            resumeDir != null,
            stopRequest);
      }
    }
  }

  private Result train(
      RunConfig cfg,
      RunModule.Parts parts,
      RunResources listenerResources,
      PrintWriter out,
      boolean interactive,
      List<TrainingListener> extraListeners,
      boolean resuming,
      BooleanSupplier stopRequest) {
    RunDirectory run = parts.runDirectory();
    Path runDir = run.path();
    DatasetInfo info = parts.dataset().info();
    if (resuming) {
      out.printf("resuming run directory: %s (%s)%n", runDir, describe(parts.devices()));
    } else {
      createRunDir(runDir);
      AtomicFiles.writeString(run.config(), ConfigLoader.toYaml(cfg.resolved()));
      writeJson(
          run.provenance(),
          provenance(cfg, info, parts.devices(), parts.sampler().effectiveOptions()));
      out.printf("run directory: %s (%s)%n", runDir, describe(parts.devices()));
    }
    var console = new io.cbns.runner.report.ConsoleProgressListener(out, interactive);
    FullRankingEvaluator evaluator =
        new FullRankingEvaluator(cfg.evaluation().ks(), cfg.evaluation().chunkSize())
            .withProgress(console);
    Trainer.Builder builder =
        Trainer.builder()
            .setModel(parts.model())
            .setDataset(parts.dataset())
            .setSampler(parts.sampler())
            .setFrequencyEstimator(parts.frequency())
            .setOptimizer(parts.optimizer())
            .setConfig(cfg.training())
            .setManager(parts.manager())
            .optLoss(cfg.loss())
            .optEvaluator(evaluator)
            .addListener(console)
            .addListener(new MetricsFileListener(runDir))
            .optRestoreBest(cfg.evaluation().restoreBest())
            .optSmoothing(cfg.smoothing())
            .optRowSparse(cfg.optimizer().sparseGradients())
            .optStopRequest(stopRequest)
            .optDevices(parts.devices());
    if (cfg.checkpoint().enabled()) {
      builder.optCheckpointing(
          new Checkpointing(
              run.checkpoint(), cfg.checkpoint().everySteps(), fingerprint(cfg), resuming));
    } else if (resuming) {
      throw new ConfigException(
          "checkpoint.enabled", "is false in " + runDir + ", so the run cannot be resumed");
    }
    if (parts.schedule() instanceof PlateauSchedule plateau) {
      builder.addListener(new ValidationScores(plateau.k(), plateau::observe));
      builder.addCheckpointable("schedule", plateau);
    }
    parts
        .listeners()
        .forEach(
            (name, listener) -> {
              builder.addListener(listener);
              if (listener instanceof Checkpointable state) {
                builder.addCheckpointable(name, state);
              }
            });
    extraListeners.forEach(builder::addListener);
    TrainingSummary summary = builder.build().fit();
    listenerResources.close();
    if (DriftChart.hasSeries(runDir)) {
      DriftChart.render(runDir);
    }

    AtomicFiles.write(
        run.model(), os -> parts.model().block().saveParameters(new java.io.DataOutputStream(os)));
    writeJson(run.summary(), summaryJson(cfg, summary));
    HtmlReport.write(runDir);
    // model.params holds the final parameters; the checkpoint was only needed to resume
    deleteQuietly(run.checkpoint());
    summary
        .finalEvaluation()
        .ifPresent(
            ev ->
                out.print(
                    "\n"
                        + io.cbns.runner.report.ResultTable.render(
                            cfg.model().tower() + " + " + cfg.sampler().name(),
                            ev.model(),
                            ev.mostPopular())));
    out.printf(
        "trained %d epochs (%d steps) in %.1fs; total %.1fs; results in %s%n",
        summary.epochs(), summary.steps(), summary.trainSeconds(), summary.totalSeconds(), runDir);
    out.flush();
    return new Result(runDir, summary);
  }

  private static void configureThreads(int threads) {
    int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    // read by DJL's PyTorch engine when it starts; has no effect once it has started
    System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(n));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
  }

  private static Path createRunDir(Path dir) {
    try {
      Files.createDirectories(dir.toAbsolutePath().getParent());
      return Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      throw new ConfigException(
          "run.name", "run directory " + dir + " already exists; choose another run.name");
    } catch (IOException e) {
      throw new CbnsException("cannot create run directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Identifies a configuration for checkpoints: the resolved configuration without the {@code run}
   * section (where the run lives does not change what it computes), as YAML text.
   */
  static String fingerprint(RunConfig cfg) {
    Map<String, Object> resolved = sorted(cfg.resolved());
    resolved.remove("run");
    return ConfigLoader.toYaml(resolved);
  }

  /** A copy with the keys of every nested map sorted, so that key order does not matter. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> sorted(Map<String, Object> tree) {
    Map<String, Object> out = new java.util.TreeMap<>();
    tree.forEach(
        (k, v) -> out.put(k, v instanceof Map<?, ?> m ? sorted((Map<String, Object>) m) : v));
    return out;
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", file, e.getMessage());
    }
  }

  /** "device cpu()", or "devices [gpu(0), gpu(1)] (data parallel)". */
  private static String describe(List<Device> devices) {
    return devices.size() == 1
        ? "device " + devices.get(0)
        : "devices " + devices + " (data parallel)";
  }

  private static Map<String, Object> provenance(
      RunConfig cfg, DatasetInfo info, List<Device> devices, Map<String, String> effectiveSampler) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("cbns_version", VersionProvider.version());
    p.put("seed", cfg.seed());
    p.put("device", devices.get(0).toString());
    if (devices.size() > 1) {
      p.put("devices", devices.stream().map(Device::toString).toList());
    }
    p.put("threads", Integer.getInteger("ai.djl.pytorch.num_threads"));
    p.put("engine", Engine.getInstance().getEngineName());
    p.put("engine_version", Engine.getInstance().getVersion());
    p.put("djl_version", Engine.getDjlVersion());
    p.put("java_version", System.getProperty("java.version"));
    p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    p.put("cores", Runtime.getRuntime().availableProcessors());
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("name", info.name());
    d.put("location", info.location());
    d.put("users", info.numUsers());
    d.put("items", info.numItems());
    d.put("train", info.numTrain());
    d.put("test", info.numTest());
    d.put("fingerprint", info.fingerprint());
    p.put("dataset", d);
    // what config.yaml leaves to the plugins (auto choices), as they resolved it
    p.put("effective", Map.of("sampler", effectiveSampler));
    return p;
  }

  private static Map<String, Object> summaryJson(RunConfig cfg, TrainingSummary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tower", cfg.model().tower());
    m.put("sampler", cfg.sampler().name());
    m.put("epochs", s.epochs());
    m.put("steps", s.steps());
    m.put("train_seconds", s.trainSeconds());
    m.put("total_seconds", s.totalSeconds());
    m.put("stop_reason", s.stopReason());
    m.put("selected_epoch", s.selectedEpoch());
    s.finalEvaluation()
        .ifPresent(
            ev -> {
              m.put("split", ev.split());
              m.put("model", flat(ev.model()));
              m.put("most_popular", flat(ev.mostPopular()));
            });
    m.put("peak_heap_mb", peakHeapMb());
    return m;
  }

  private static Map<String, Double> flat(RankingMetrics r) {
    Map<String, Double> m = new LinkedHashMap<>();
    r.recall().forEach((k, v) -> m.put("recall@" + k, v));
    r.ndcg().forEach((k, v) -> m.put("ndcg@" + k, v));
    return m;
  }

  private static long peakHeapMb() {
    long peak = 0;
    for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getPeakUsage() != null) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak >> 20;
  }

  private static void writeJson(Path file, Object value) {
    try {
      String text = JSON.writeValueAsString(value) + "\n";
      AtomicFiles.writeString(file, text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
