package io.cbns.runner;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.Tracker;
import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Provides;
import com.google.inject.ProvisionException;
import com.google.inject.Singleton;
import com.google.inject.TypeLiteral;
import io.cbns.core.RunDirectory;
import io.cbns.core.config.ConfigException;
import io.cbns.core.data.DatasetContext;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.frequency.FrequencyContext;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.optim.CheckpointableOptimizer;
import io.cbns.core.optim.LazyAdam;
import io.cbns.core.optim.LearningRateSchedule;
import io.cbns.core.optim.PlateauSchedule;
import io.cbns.core.optim.Sgd;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.spi.DatasetSourceFactory;
import io.cbns.core.spi.FrequencyEstimatorFactory;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.core.spi.SamplerFactory;
import io.cbns.core.spi.TowerFactory;
import io.cbns.core.train.ListenerContext;
import io.cbns.core.train.Trainer;
import io.cbns.core.train.TrainingListener;
import io.cbns.runner.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of one training run, provided from its validated configuration and the plugins that
 * {@link CbnsModule} discovered: the device and engine manager, the dataset, the towers, the
 * negative sampler, the frequency estimator, the learning-rate schedule and optimizer, the listener
 * plugins' listeners, and where the run lives. Each part is a singleton of the run's injector, made
 * the first time something asks for it; a part that must be closed is registered with the run's
 * {@link RunResources}, which {@link TrainJob} closes when the run ends.
 *
 * <p>Each plugin part is made by the factory its section names ({@code data.source}, {@code
 * model.tower}, {@code sampler.name}, {@code frequency.name}), which reads and validates its own
 * keys; a bad value fails here with the key in the message. Parts are made in a fixed order by
 * {@link #parts(Injector)} (dataset, towers, sampler, frequency, schedule, listeners), so the
 * random initialisation of a run does not depend on who asks first.
 */
public final class RunModule extends AbstractModule {
  private static final Logger LOG = LoggerFactory.getLogger(RunModule.class);

  private final RunConfig config;
  private final PluginRegistry plugins;
  private final Clock clock;
  private final Path resumeDir;
  private final RunResources resources;

  /**
   * @param config the parsed configuration (its keys are checked after every part has read hers)
   * @param plugins the discovered plugins
   * @param clock names new runs (a run without {@code run.name} is named after its start time)
   * @param resumeDir the run directory to continue, or null for a new run
   * @param resources where the parts that must be closed are registered
   */
  public RunModule(
      RunConfig config,
      PluginRegistry plugins,
      Clock clock,
      Path resumeDir,
      RunResources resources) {
    this.config = requireNonNull(config, "config is null");
    this.plugins = requireNonNull(plugins, "plugins is null");
    this.clock = requireNonNull(clock, "clock is null");
    this.resumeDir = resumeDir;
    this.resources = requireNonNull(resources, "resources is null");
  }

  /** Every part of a run, made in a fixed order; see {@link RunModule}. */
  public record Parts(
      RunDirectory runDirectory,
      Device device,
      List<Device> devices,
      NDManager manager,
      InteractionDataset dataset,
      TwoTowerModel model,
      NegativeSampler sampler,
      FrequencyEstimator frequency,
      Tracker schedule,
      CheckpointableOptimizer optimizer,
      Map<String, TrainingListener> listeners) {}

  /**
   * Makes every part of the run bound in {@code injector}, in a fixed order. Errors of the parts
   * ({@link ConfigException}, {@link io.cbns.core.CbnsException}) come out as they were thrown, not
   * wrapped by Guice.
   */
  public static Parts parts(Injector injector) {
    try {
      // the plugin names first, so that an unknown one fails before the dataset is opened
      injector.getInstance(DatasetSourceFactory.class);
      injector.getInstance(TowerFactory.class);
      injector.getInstance(SamplerFactory.class);
      injector.getInstance(FrequencyEstimatorFactory.class);
      RunDirectory run = injector.getInstance(RunDirectory.class);
      Device device = injector.getInstance(Device.class);
      List<Device> devices = injector.getInstance(Key.get(new TypeLiteral<List<Device>>() {}));
      NDManager manager = injector.getInstance(NDManager.class);
      InteractionDataset dataset = injector.getInstance(InteractionDataset.class);
      TwoTowerModel model = injector.getInstance(TwoTowerModel.class);
      NegativeSampler sampler = injector.getInstance(NegativeSampler.class);
      FrequencyEstimator frequency = injector.getInstance(FrequencyEstimator.class);
      Tracker schedule = injector.getInstance(Tracker.class);
      CheckpointableOptimizer optimizer = injector.getInstance(CheckpointableOptimizer.class);
      Map<String, TrainingListener> listeners =
          injector.getInstance(Key.get(new TypeLiteral<Map<String, TrainingListener>>() {}));
      return new Parts(
          run, device, devices, manager, dataset, model, sampler, frequency, schedule, optimizer,
          listeners);
    } catch (ProvisionException e) {
      throw unwrap(e);
    }
  }

  /** The exception a provider threw, without Guice's wrapper. */
  static RuntimeException unwrap(ProvisionException e) {
    Throwable cause = e.getCause();
    if (cause == null && e.getErrorMessages().size() == 1) {
      cause = e.getErrorMessages().iterator().next().getCause();
    }
    return cause instanceof RuntimeException r ? r : e;
  }

  @Override
  protected void configure() {
    bind(RunConfig.class).toInstance(config);
    bind(PluginRegistry.class).toInstance(plugins);
    bind(RunResources.class).toInstance(resources);
  }

  @Provides
  @Singleton
  DatasetSourceFactory datasetSource() {
    return PluginRegistry.select(plugins.datasetSources(), config.data().name(), "data.source");
  }

  @Provides
  @Singleton
  TowerFactory towerFactory() {
    return PluginRegistry.select(plugins.towers(), config.model().tower(), "model.tower");
  }

  @Provides
  @Singleton
  SamplerFactory samplerFactory() {
    return PluginRegistry.select(plugins.samplers(), config.sampler().name(), "sampler.name");
  }

  @Provides
  @Singleton
  FrequencyEstimatorFactory frequencyFactory() {
    return PluginRegistry.select(
        plugins.frequencyEstimators(), config.frequency().name(), "frequency.name");
  }

  /**
   * Where the run lives: {@code resumeDir} when resuming, else {@code run.dir/run.name}, which must
   * not exist yet (it is created by {@link TrainJob} once every key has been validated).
   */
  @Provides
  @Singleton
  RunDirectory runDirectory() {
    if (resumeDir != null) {
      return RunDirectory.of(resumeDir);
    }
    Path runsDir = Path.of(config.run().dir());
    String name = config.run().name();
    if (name != null && Files.exists(runsDir.resolve(name))) {
      throw new ConfigException(
          "run.name",
          "run directory " + runsDir.resolve(name) + " already exists; choose another run.name");
    }
    if (name == null || name.isBlank()) {
      name =
          LocalDateTime.now(clock).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
              + "-"
              + config.model().tower()
              + "-"
              + config.sampler().name();
    }
    return RunDirectory.of(runsDir.resolve(name));
  }

  /** Every device of the training: {@code devices:} when set, else the one {@code device:}. */
  @Provides
  @Singleton
  List<Device> devices() {
    if (config.devices().isEmpty()) {
      return List.of(selectDevice(config.device()));
    }
    if (config.devices().equals(List.of("gpu:all"))) {
      int gpus = Engine.getInstance().getGpuCount();
      if (gpus == 0) {
        throw new ConfigException(
            "devices",
            "gpu:all asked for every GPU, but the engine sees none; build with the cuda profile"
                + " (mvn -Pcuda package) on a machine with NVIDIA GPUs, or list devices: [cpu]");
      }
      List<Device> all = new java.util.ArrayList<>();
      for (int g = 0; g < gpus; g++) {
        all.add(Device.gpu(g));
      }
      return List.copyOf(all);
    }
    List<Device> out = new java.util.ArrayList<>();
    for (String spec : config.devices()) {
      out.add(selectDevice(spec, "devices"));
    }
    return List.copyOf(out);
  }

  /** The training device: the first of {@link #devices}, where the model and its state live. */
  @Provides
  @Singleton
  Device device(List<Device> devices) {
    return devices.get(0);
  }

  /** The run's root manager: every long-lived array (parameters, bank) lives under it. */
  @Provides
  @Singleton
  NDManager manager(Device device) {
    return resources.register(NDManager.newBaseManager(device));
  }

  @Provides
  @Singleton
  InteractionDataset dataset(DatasetSourceFactory factory) {
    return resources.register(
        factory.open(
            new DatasetContext(RunDirectory.cacheOf(Path.of(config.run().dir())), config.seed()),
            config.data().options()));
  }

  @Provides
  @Singleton
  TwoTowerModel towers(TowerFactory factory, InteractionDataset dataset, NDManager manager) {
    return resources.register(Towers.create(factory, config, dataset, manager));
  }

  @Provides
  @Singleton
  NegativeSampler sampler(
      SamplerFactory factory, InteractionDataset dataset, TwoTowerModel model, NDManager manager) {
    return resources.register(
        factory.create(
            new SamplerContext(
                dataset.info().numItems(),
                config.model().dimension(),
                config.training().batchSize(),
                stepsPerEpoch(dataset),
                config.seed() + 1,
                manager,
                model.cheapItemReencoding()),
            config.sampler().options()));
  }

  @Provides
  @Singleton
  FrequencyEstimator frequency(FrequencyEstimatorFactory factory, InteractionDataset dataset) {
    return factory.create(
        new FrequencyContext(
            dataset.info().numItems(), dataset.itemTrainCounts(), config.training().batchSize()),
        config.frequency().options());
  }

  /**
   * The learning rate per step: {@code constant}, {@code step} and {@code cosine} are functions of
   * the step; {@code plateau} is a constant rate cut on validation plateaus (a {@link
   * PlateauSchedule}, which the trainer also feeds with validation scores and checkpoints).
   */
  @Provides
  @Singleton
  Tracker schedule(InteractionDataset dataset) {
    RunConfig.OptimizerSection o = config.optimizer();
    boolean plateau = o.schedule().equals("plateau");
    if (plateau && dataset.validationByUser().isEmpty()) {
      throw new ConfigException(
          "optimizer.schedule",
          "plateau cuts the rate when validation stops improving, but the dataset has no"
              + " validation split; set data.validation-ratio (e.g. 0.1) or choose step or"
              + " cosine");
    }
    long spe = stepsPerEpoch(dataset);
    LearningRateSchedule lr =
        new LearningRateSchedule(
            plateau
                ? LearningRateSchedule.Kind.CONSTANT
                : LearningRateSchedule.Kind.valueOf(o.schedule().toUpperCase(Locale.ROOT)),
            o.learningRate(),
            o.warmupSteps(),
            Math.max(1, o.stepEpochs() * spe),
            o.stepFactor(),
            plateau ? 0 : o.minLearningRate(),
            Math.max(1, config.training().epochs() * spe));
    return plateau
        ? new PlateauSchedule(
            lr,
            o.plateauPatience(),
            o.stepFactor(),
            o.minLearningRate(),
            config.evaluation().ks().get(0))
        : lr;
  }

  /**
   * The optimizer: {@code lazy-adam} (row-sparse Adam), {@code adam} (the same class updating every
   * row: Adam) or {@code sgd}, all checkpointable, with the learning-rate schedule.
   */
  @Provides
  @Singleton
  CheckpointableOptimizer optimizer(Tracker schedule) {
    RunConfig.OptimizerSection o = config.optimizer();
    float clip = o.clipGradient() > 0 ? (float) o.clipGradient() : -1f;
    if (o.name().equals("sgd")) {
      return Sgd.builder()
          .optLearningRateTracker(schedule)
          .optWeightDecays((float) o.weightDecay())
          .optClipGrad(clip)
          .build();
    }
    return LazyAdam.builder()
        .optLearningRateTracker(schedule)
        .optWeightDecays((float) o.weightDecay())
        .optClipGrad(clip)
        .optDense(o.name().equals("adam"))
        .build();
  }

  /**
   * The listeners contributed by listener plugins, by plugin name, in discovery order. Every
   * listener factory reads its section, on or off, so a typo in a listener's keys is never ignored;
   * a factory returns no listener when its section turns it off. Listeners are closed by {@link
   * TrainJob} right after training (their files are read by the reports).
   */
  @Provides
  @Singleton
  Map<String, TrainingListener> listeners(RunDirectory run, NDManager manager) {
    Map<String, TrainingListener> listeners = new LinkedHashMap<>();
    ListenerContext context = new ListenerContext(run.path(), config.seed(), manager);
    plugins
        .listeners()
        .forEach(
            (name, factory) ->
                factory
                    .create(context, config.listeners().get(name))
                    .ifPresent(l -> listeners.put(name, l)));
    return Collections.unmodifiableMap(listeners);
  }

  private long stepsPerEpoch(InteractionDataset dataset) {
    return Trainer.stepsPerEpoch(
        dataset.epochRows(config.training().batchSpec()),
        config.training().batchSize(),
        config.training().dropLast());
  }

  /**
   * The device {@code device:} names: {@code cpu}, {@code gpu[:N]}, or {@code auto} (the first GPU
   * the engine sees, else the CPU).
   */
  static Device selectDevice(String spec) {
    return selectDevice(spec, "device");
  }

  private static Device selectDevice(String spec, String key) {
    int gpus = Engine.getInstance().getGpuCount();
    if (spec.equals("cpu")) {
      return Device.cpu();
    }
    if (spec.equals("auto")) {
      Device d = gpus > 0 ? Device.gpu(0) : Device.cpu();
      LOG.info("device auto: {} ({} GPU(s) visible to the engine)", d, gpus);
      return d;
    }
    int index = spec.contains(":") ? Integer.parseInt(spec.substring(spec.indexOf(':') + 1)) : 0;
    if (index >= gpus) {
      throw new ConfigException(
          key,
          "asked for "
              + spec
              + " but the engine sees "
              + gpus
              + " GPU(s); build with the cuda profile (mvn -Pcuda package) on a machine with an"
              + " NVIDIA GPU, or use "
              + key
              + ": cpu");
    }
    return Device.gpu(index);
  }
}
