package io.cbns.runner.config;

import static java.util.Objects.requireNonNull;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.RecentRepeats;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.model.NeighbourSmoothing;
import io.cbns.core.train.TrainingConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated configuration of a training run. Built from the YAML tree by {@link #parse}; the
 * plugin sections ({@code data}, {@code model}, {@code sampler}, {@code frequency}) keep their
 * {@link Options} so that the chosen factory reads its own keys. {@link #checkNoUnknownKeys()} must
 * be called once the factories have read theirs.
 *
 * <p>Keys, defaults and ranges are documented in docs/configuration.md, which a test checks against
 * this class.
 */
public record RunConfig(
    long seed,
    String device,
    List<String> devices,
    int threads,
    RunSection run,
    PluginSection data,
    ModelSection model,
    PluginSection sampler,
    PluginSection frequency,
    LossConfig loss,
    OptimizerSection optimizer,
    TrainingConfig training,
    EvaluationSection evaluation,
    NeighbourSmoothing smoothing,
    CheckpointSection checkpoint,
    Map<String, Options> listeners,
    Options root,
    List<Options.OptionSpec> genericSpecs) {

  public RunConfig {
    requireNonNull(run, "run is null");
    requireNonNull(data, "data is null");
    requireNonNull(model, "model is null");
    requireNonNull(sampler, "sampler is null");
    requireNonNull(frequency, "frequency is null");
    requireNonNull(loss, "loss is null");
    requireNonNull(optimizer, "optimizer is null");
    requireNonNull(training, "training is null");
    requireNonNull(evaluation, "evaluation is null");
    requireNonNull(smoothing, "smoothing is null");
    requireNonNull(checkpoint, "checkpoint is null");
  }

  /** Where runs go and what this one is called. */
  public record RunSection(String dir, String name, Options options) {}

  /** A plugin choice: the factory name and the whole section, for the factory's own keys. */
  public record PluginSection(String name, Options options) {}

  /** The towers: factory name, output dimension, normalisation, and the section. */
  public record ModelSection(String tower, int dimension, boolean normalize, Options options) {}

  /**
   * The optimizer and its learning-rate schedule.
   *
   * @param schedule {@code constant}, {@code step}, {@code cosine} or {@code plateau}
   * @param warmupSteps steps of linear warm-up from 0
   * @param stepEpochs epochs between two step-decays
   * @param stepFactor the step-decay multiplier
   * @param minLearningRate the cosine schedule's final rate, the plateau schedule's floor
   * @param plateauPatience validation evaluations without a new best before a plateau cut
   * @param sparseGradients row-sparse gradients for embedding tables (lazy-adam, sgd)
   */
  public record OptimizerSection(
      String name,
      double learningRate,
      double weightDecay,
      double clipGradient,
      String schedule,
      long warmupSteps,
      int stepEpochs,
      double stepFactor,
      double minLearningRate,
      int plateauPatience,
      boolean sparseGradients) {}

  /**
   * Checkpoints: whether they are written, and how often besides each epoch end.
   *
   * @param enabled whether checkpoints are written (needed for --resume and Ctrl-C)
   * @param everySteps also every this many steps (0: epoch ends only)
   */
  public record CheckpointSection(boolean enabled, long everySteps) {}

  /**
   * Evaluation cut-offs, chunking, and model selection.
   *
   * @param restoreBest test the parameters of the best validation evaluation, not the last
   */
  public record EvaluationSection(List<Integer> ks, int chunkSize, boolean restoreBest) {}

  /** The top-level sections of the generic keys; no listener may be called like one of them. */
  private static final List<String> SECTIONS =
      List.of(
          "seed",
          "device",
          "devices",
          "threads",
          "run",
          "data",
          "model",
          "sampler",
          "frequency",
          "loss",
          "optimizer",
          "training",
          "evaluation",
          "smoothing",
          "checkpoint");

  /**
   * Validates the generic keys of {@code tree}. Plugin keys are validated by the factories.
   *
   * @param listeners the names of the discovered listener factories: each reads the section of its
   *     name ({@code drift}), which is therefore not an unknown key
   */
  public static RunConfig parse(Map<String, Object> tree, java.util.Collection<String> listeners) {
    Options root = Options.of("", tree);
    long seed = root.getLong("seed", 42, 0, Long.MAX_VALUE);
    String device = root.getString("device", "auto");
    if (!device.matches("auto|cpu|gpu(:\\d{1,4})?")) {
      throw new ConfigException(
          "device", "unknown value '" + device + "'; valid values: auto, cpu, gpu, gpu:N");
    }
    // no default: a run without the key resolves (and fingerprints) as it did before the key
    // existed
    List<String> devices = root.getStringList("devices", null);
    devices = devices == null ? List.of() : devices;
    for (String d : devices) {
      if (!d.matches("cpu|gpu(:\\d{1,4})?") && !(d.equals("gpu:all") && devices.size() == 1)) {
        throw new ConfigException(
            "devices",
            "unknown entry '"
                + d
                + "'; valid entries: cpu, gpu, gpu:N, or gpu:all alone (every GPU the engine"
                + " sees)");
      }
    }
    if (!devices.isEmpty() && root.has("device")) {
      throw new ConfigException(
          "devices",
          "is set together with device; set one: device for one device, devices for data"
              + " parallelism over several (the first is the one device's role)");
    }
    int threads = root.getInt("threads", 0, 0, 1024);

    Options runO = root.section("run");
    RunSection run =
        new RunSection(runO.getString("dir", "runs"), runO.getString("name", null), runO);
    String name = run.name();
    if (name != null
        && (name.isBlank()
            || name.equals(".")
            || name.equals("..")
            || name.chars().anyMatch(ch -> ch == '/' || ch == '\\' || ch == 0))) {
      throw new ConfigException(
          "run.name",
          "'"
              + name.replace("\0", "\\0")
              + "' must be a plain directory name (no /, \\, . or ..); leave it out for a"
              + " generated name");
    }

    Options dataO = root.section("data");
    PluginSection data = new PluginSection(dataO.getString("source", "synthetic"), dataO);

    Options modelO = root.section("model");
    ModelSection model =
        new ModelSection(
            modelO.getString("tower", "mf"),
            modelO.getInt("dim", 64, 1, 4096),
            modelO.getBoolean("normalize", true),
            modelO);

    Options samplerO = root.section("sampler");
    PluginSection sampler = new PluginSection(samplerO.getString("name", "in-batch"), samplerO);

    Options freqO = root.section("frequency");
    PluginSection frequency = new PluginSection(freqO.getString("name", "counts"), freqO);

    Options lossO = root.section("loss");
    double temperature = lossO.getDouble("temperature", 0.1, 1e-4, 100);
    boolean logQCorrection = lossO.getBoolean("logq-correction", true);
    boolean mask = lossO.getBoolean("mask-accidental-hits", true);
    double logQWeight = lossO.getDouble("logq-weight", 1.0, 0, 2);
    double negativeWeight = lossO.getDouble("negative-weight", 1.0, 0.01, 10);
    double userSoftmaxWeight = lossO.getDouble("user-softmax-weight", 0.0, 0, 10);
    double userTemperatureSpread = lossO.getDouble("user-temperature-spread", 0.0, 0, 100);
    boolean refinedLogQ = lossO.getBoolean("refined-logq", false);
    boolean maskKnownPositives = lossO.getBoolean("mask-known-positives", false);
    boolean cosine = lossO.getBoolean("cosine", false);
    lossO.requireAllConsumed();
    if (refinedLogQ
        && (!logQCorrection
            || logQWeight != 1.0
            || userSoftmaxWeight > 0
            || userTemperatureSpread > 0)) {
      throw new ConfigException(
          "loss.refined-logq",
          "needs logq-correction: true and logq-weight: 1, without user-softmax-weight or"
              + " user-temperature-spread; set those, or refined-logq: false");
    }
    if (maskKnownPositives && !mask) {
      throw new ConfigException(
          "loss.mask-known-positives",
          "needs mask-accidental-hits: true (a row's own positive is one of its user's known"
              + " items); set it, or mask-known-positives: false");
    }
    LossConfig loss =
        new LossConfig(
            temperature,
            logQCorrection,
            mask,
            logQWeight,
            negativeWeight,
            userSoftmaxWeight,
            userTemperatureSpread,
            refinedLogQ,
            maskKnownPositives,
            cosine);

    Options optO = root.section("optimizer");
    OptimizerSection optimizer =
        new OptimizerSection(
            optO.getChoice("name", "lazy-adam", List.of("lazy-adam", "adam", "sgd")),
            optO.getDouble("learning-rate", 0.01, 1e-7, 10),
            optO.getDouble("weight-decay", 0, 0, 1),
            optO.getDouble("clip-gradient", 0, 0, 1e6),
            optO.getChoice(
                "schedule", "constant", List.of("constant", "step", "cosine", "plateau")),
            optO.getLong("warmup-steps", 0, 0, Long.MAX_VALUE),
            optO.getInt("step-epochs", 10, 1, 100_000),
            optO.getDouble("step-factor", 0.1, 1e-6, 1),
            optO.getDouble("min-learning-rate", 0, 0, 10),
            optO.getInt("plateau-patience", 2, 1, 100_000),
            optO.getBoolean("sparse-gradients", true));
    if (optimizer.minLearningRate() > optimizer.learningRate()) {
      throw new ConfigException(
          "optimizer.min-learning-rate",
          "is "
              + optimizer.minLearningRate()
              + ", above optimizer.learning-rate "
              + optimizer.learningRate()
              + "; the cosine schedule decays from the learning rate down to it");
    }
    if (optimizer.schedule().equals("plateau") && optimizer.stepFactor() >= 1) {
      throw new ConfigException(
          "optimizer.step-factor",
          "is 1, so the plateau schedule would never lower the rate; use a value below 1, e.g."
              + " 0.1");
    }
    optO.requireAllConsumed();

    Options trainO = root.section("training");
    TrainingConfig training =
        new TrainingConfig(
            trainO.getInt("epochs", 10, 1, 100_000),
            trainO.getInt("batch-size", 1024, 1, 1 << 20),
            trainO.getBoolean("drop-last", false),
            trainO.getInt("prefetch", 4, 0, 1024),
            seed,
            trainO.getInt("evaluate-every", 5, 0, 100_000),
            trainO.getInt("patience", 0, 0, 100_000),
            trainO.getLong("max-steps", 0, 0, Long.MAX_VALUE),
            recentRepeats(trainO));
    trainO.requireAllConsumed();

    Options evalO = root.section("evaluation");
    EvaluationSection evaluation =
        new EvaluationSection(
            evalO.getIntList("k", List.of(20, 50), 1, 100_000),
            evalO.getInt("chunk-size", 1024, 1, 1 << 20),
            evalO.getBoolean("restore-best", true));
    evalO.requireAllConsumed();
    Options smoothO = root.section("smoothing");
    NeighbourSmoothing smoothing =
        new NeighbourSmoothing(
            smoothO.getDouble("user-weight", 0.0, -10.0, 10.0),
            smoothO.getDouble("item-weight", 0.0, -10.0, 10.0));
    smoothO.requireAllConsumed();
    Options ckptO = root.section("checkpoint");
    CheckpointSection checkpoint =
        new CheckpointSection(
            ckptO.getBoolean("enabled", true),
            ckptO.getLong("every-steps", 1000, 0, Long.MAX_VALUE));
    ckptO.requireAllConsumed();
    Map<String, Options> listenerSections = new java.util.TreeMap<>();
    for (String listener : listeners) {
      if (SECTIONS.contains(listener)) {
        throw new IllegalStateException(
            "a listener plugin is called '" + listener + "', like a section of the configuration");
      }
      listenerSections.put(listener, root.section(listener));
    }
    runO.requireAllConsumed();
    root.requireAllConsumed();
    List<Options.OptionSpec> specs = new java.util.ArrayList<>();
    for (Options o :
        List.of(
            root, runO, dataO, modelO, samplerO, freqO, lossO, optO, trainO, evalO, smoothO,
            ckptO)) {
      o.specs().stream().filter(sp -> !sp.type().equals("section")).forEach(specs::add);
    }
    return new RunConfig(
        seed,
        device,
        devices,
        threads,
        run,
        data,
        model,
        sampler,
        frequency,
        loss,
        optimizer,
        training,
        evaluation,
        smoothing,
        checkpoint,
        java.util.Collections.unmodifiableMap(listenerSections),
        root,
        List.copyOf(specs));
  }

  /** Rejects keys no one read (call after the factories have read their sections). */
  public void checkNoUnknownKeys() {
    data.options().requireAllConsumed();
    model.options().requireAllConsumed();
    sampler.options().requireAllConsumed();
    frequency.options().requireAllConsumed();
    listeners.values().forEach(Options::requireAllConsumed);
  }

  /** The effective configuration, defaults filled in, for the run directory. */
  public Map<String, Object> resolved() {
    Map<String, Object> out = new LinkedHashMap<>(root.resolved());
    out.put("run", run.options().resolved());
    out.put("data", data.options().resolved());
    out.put("model", model.options().resolved());
    out.put("sampler", sampler.options().resolved());
    out.put("frequency", frequency.options().resolved());
    Map<String, Object> lossMap = new LinkedHashMap<>();
    lossMap.put("temperature", loss.temperature());
    lossMap.put("logq-correction", loss.logQCorrection());
    lossMap.put("mask-accidental-hits", loss.maskAccidentalHits());
    lossMap.put("logq-weight", loss.logQWeight());
    lossMap.put("negative-weight", loss.negativeWeight());
    if (loss.userSoftmaxWeight() > 0) {
      // only when on, so that the configuration (and checkpoint fingerprint) of every run
      // without the term stays what it was
      lossMap.put("user-softmax-weight", loss.userSoftmaxWeight());
    }
    if (loss.userTemperatureSpread() > 0) {
      // likewise only when on
      lossMap.put("user-temperature-spread", loss.userTemperatureSpread());
    }
    if (loss.refinedLogQ()) {
      // likewise only when on
      lossMap.put("refined-logq", true);
    }
    if (loss.maskKnownPositives()) {
      // likewise only when on
      lossMap.put("mask-known-positives", true);
    }
    if (loss.cosine()) {
      // likewise only when on
      lossMap.put("cosine", true);
    }
    out.put("loss", lossMap);
    Map<String, Object> opt = new LinkedHashMap<>();
    opt.put("name", optimizer.name());
    opt.put("learning-rate", optimizer.learningRate());
    opt.put("weight-decay", optimizer.weightDecay());
    opt.put("clip-gradient", optimizer.clipGradient());
    opt.put("schedule", optimizer.schedule());
    opt.put("warmup-steps", optimizer.warmupSteps());
    opt.put("step-epochs", optimizer.stepEpochs());
    opt.put("step-factor", optimizer.stepFactor());
    opt.put("min-learning-rate", optimizer.minLearningRate());
    opt.put("plateau-patience", optimizer.plateauPatience());
    opt.put("sparse-gradients", optimizer.sparseGradients());
    out.put("optimizer", opt);
    Map<String, Object> tr = new LinkedHashMap<>();
    tr.put("epochs", training.epochs());
    tr.put("batch-size", training.batchSize());
    tr.put("drop-last", training.dropLast());
    tr.put("prefetch", training.prefetch());
    tr.put("evaluate-every", training.evaluateEvery());
    tr.put("patience", training.patience());
    tr.put("max-steps", training.maxSteps());
    if (!training.recentRepeats().isOff()) {
      // only when on, so that runs without it keep the configuration (and checkpoint
      // fingerprint) they had before the keys existed
      tr.put("recent-fraction", training.recentRepeats().fraction());
      tr.put("recent-copies", training.recentRepeats().copies());
    }
    out.put("training", tr);
    Map<String, Object> ev = new LinkedHashMap<>();
    ev.put("k", evaluation.ks());
    ev.put("chunk-size", evaluation.chunkSize());
    ev.put("restore-best", evaluation.restoreBest());
    out.put("evaluation", ev);
    if (!smoothing.isIdentity()) {
      // only when on, so that runs without smoothing keep the configuration (and checkpoint
      // fingerprint) they had before the section existed
      Map<String, Object> sm = new LinkedHashMap<>();
      sm.put("user-weight", smoothing.userWeight());
      sm.put("item-weight", smoothing.itemWeight());
      out.put("smoothing", sm);
    }
    Map<String, Object> ck = new LinkedHashMap<>();
    ck.put("enabled", checkpoint.enabled());
    ck.put("every-steps", checkpoint.everySteps());
    out.put("checkpoint", ck);
    listeners.forEach((name, options) -> out.put(name, options.resolved()));
    return out;
  }

  /** {@code training.recent-fraction} and {@code training.recent-copies}. */
  private static RecentRepeats recentRepeats(Options trainO) {
    double fraction = trainO.getDouble("recent-fraction", 0.0, 0.0, 0.95);
    int copies = trainO.getInt("recent-copies", 1, 1, 100);
    if (fraction == 0 && trainO.has("recent-copies")) {
      throw new ConfigException(
          trainO.keyPath("recent-copies"),
          "only applies with recent-fraction > 0 (which interactions to repeat); set"
              + " recent-fraction or leave recent-copies out");
    }
    return fraction == 0 ? RecentRepeats.OFF : new RecentRepeats(fraction, copies);
  }
}
