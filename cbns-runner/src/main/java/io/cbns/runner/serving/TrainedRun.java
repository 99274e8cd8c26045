package io.cbns.runner.serving;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import io.cbns.core.config.ConfigException;
import io.cbns.core.data.DatasetContext;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.spi.DatasetSourceFactory;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.core.spi.TowerFactory;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.models.ModelFiles;
import io.cbns.models.onnx.ExportedTowers;
import io.cbns.models.onnx.OnnxExporter;
import io.cbns.runner.Towers;
import io.cbns.runner.TrainJob;
import io.cbns.runner.config.ConfigLoader;
import io.cbns.runner.config.RunConfig;
import io.cbns.serving.IdMap;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run directory reopened for serving and evaluation: its resolved configuration ({@code
 * config.yaml}), the dataset it was trained on (through the same {@code data.source} factory and
 * options, verified against the fingerprint in {@code run.json}) and, on first use of {@link
 * #model()}, the towers rebuilt by {@link Towers} as training built them and loaded from {@code
 * model.params}.
 *
 * <p>The towers are created lazily, so that commands that only need the configuration and the
 * dataset (serving from ONNX files) never start the DJL engine. The model lives on the CPU in a
 * manager owned by this object; {@link #close()} frees it and closes the dataset.
 *
 * <p>Not thread-safe (the model is not).
 */
public final class TrainedRun implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainedRun.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final byte[] MODEL_FILES_MAGIC = magicOfModelFiles();

  private final Path runDir;
  private final Provenance provenance;
  private final Map<String, Object> configTree;
  private final RunConfig config;
  private final TowerFactory towerFactory;
  private final InteractionDataset dataset;
  private NDManager manager;
  private TwoTowerModel trained;
  private TwoTowerModel model;

  private TrainedRun(
      Path runDir,
      Provenance provenance,
      Map<String, Object> configTree,
      RunConfig config,
      TowerFactory towerFactory,
      InteractionDataset dataset) {
    this.runDir = runDir;
    this.provenance = provenance;
    this.configTree = configTree;
    this.config = config;
    this.towerFactory = towerFactory;
    this.dataset = dataset;
  }

  /**
   * Opens the run in {@code runDir}: reads {@code config.yaml}, checks that {@code model.params}
   * exists, and opens the dataset.
   *
   * @throws CbnsException when the directory is not a finished run, its configuration names a
   *     plugin that is not on the class path, or its dataset cannot be found or has changed since
   *     training
   */
  public static TrainedRun open(PluginRegistry plugins, Path runDir) {
    requireNonNull(plugins, "plugins is null");
    requireNonNull(runDir, "runDir is null");
    if (!Files.isDirectory(runDir)) {
      throw new CbnsException("run directory not found: " + runDir);
    }
    RunDirectory run = RunDirectory.of(runDir);
    Path configFile = run.config();
    if (!Files.isRegularFile(configFile)) {
      throw new CbnsException(
          runDir
              + " is not a run directory: it has no "
              + RunDirectory.CONFIG_FILE
              + " (./cbns train writes one)");
    }
    if (!Files.isRegularFile(run.model())) {
      throw new CbnsException(
          "no trained model in "
              + runDir
              + ": train first (there is no "
              + RunDirectory.MODEL_FILE
              + "; the training did not finish)");
    }
    Map<String, Object> tree = ConfigLoader.load(configFile, List.of());
    RunConfig config;
    TowerFactory towers;
    DatasetSourceFactory source;
    try {
      config = RunConfig.parse(tree, plugins.listeners().keySet());
      towers = PluginRegistry.select(plugins.towers(), config.model().tower(), "model.tower");
      source = PluginRegistry.select(plugins.datasetSources(), config.data().name(), "data.source");
    } catch (ConfigException e) {
      throw new CbnsException(configFile + ": " + e.getMessage(), e);
    }
    Provenance provenance = Provenance.read(run.provenance());
    InteractionDataset dataset = openDataset(runDir, config, source, provenance);
    return new TrainedRun(runDir, provenance, tree, config, towers, dataset);
  }

  /** The run directory. */
  public Path runDir() {
    return runDir;
  }

  /** The run's resolved configuration. */
  public RunConfig config() {
    return config;
  }

  /** The dataset the run was trained on; owned by this object. */
  public InteractionDataset dataset() {
    return dataset;
  }

  /** The default ONNX export folder, {@code RUN_DIR/onnx}. */
  public Path onnxDir() {
    return RunDirectory.of(runDir).onnxDir();
  }

  /** The HNSW index folder, {@code RUN_DIR/index} (it exists once {@code cbns index} ran). */
  public Path indexDir() {
    return RunDirectory.of(runDir).indexDir();
  }

  /**
   * The original ids of the dense user ids, when the dataset was imported from string (or remapped)
   * ids.
   */
  public Optional<List<String>> originalUserIds() {
    return dataset instanceof ArrowInteractionDataset a ? a.originalUserIds() : Optional.empty();
  }

  /** The original ids of the dense item ids, as {@link #originalUserIds()}. */
  public Optional<List<String>> originalItemIds() {
    return dataset instanceof ArrowInteractionDataset a ? a.originalItemIds() : Optional.empty();
  }

  /** The user ids of this run's dataset, with the original ids when it has them. */
  public IdMap userIds() {
    return IdMap.of("user", dataset.info().numUsers(), originalUserIds());
  }

  /** The item ids of this run's dataset, with the original ids when it has them. */
  public IdMap itemIds() {
    return IdMap.of("item", dataset.info().numItems(), originalItemIds());
  }

  /**
   * The configuration as flat {@code section.key} entries (lists as {@code [a, b]}), for the ONNX
   * metadata.
   */
  public Map<String, String> flatConfig() {
    Map<String, String> out = new LinkedHashMap<>();
    flatten("", configTree, out);
    return out;
  }

  /** Whether the served vectors are unit vectors (normalised towers, no smoothing). */
  public boolean unitOutputs() {
    return config.model().normalize() && config.smoothing().isIdentity();
  }

  /**
   * The trained towers, created and loaded on the first call; with {@code smoothing} in the
   * configuration, the smoothed tables ({@link io.cbns.core.model.NeighbourSmoothing}), as training
   * evaluated them. Owned by this object (do not close).
   *
   * @throws CbnsException when {@code model.params} cannot be loaded into the towers the
   *     configuration describes
   */
  public TwoTowerModel model() {
    if (model == null) {
      TwoTowerModel m = trainedTowers();
      model =
          config.smoothing().isIdentity()
              ? m
              : config
                  .smoothing()
                  .apply(m, dataset.trainByUser(), dataset.info().numUsers(), manager);
    }
    return model;
  }

  /**
   * The towers as trained, without the configuration's smoothing (what {@code cbns smooth} starts
   * from), created and loaded on the first call. Owned by this object (do not close).
   *
   * @throws CbnsException when {@code model.params} cannot be loaded into the towers the
   *     configuration describes
   */
  public TwoTowerModel trainedTowers() {
    if (trained == null) {
      manager = NDManager.newBaseManager(Device.cpu());
      try {
        TwoTowerModel m = Towers.create(towerFactory, config, dataset, manager);
        loadParameters(m, RunDirectory.of(runDir).model(), manager);
        trained = m;
      } catch (ConfigException e) {
        closeManager();
        throw new CbnsException(RunDirectory.of(runDir).config() + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        closeManager();
        throw e;
      }
    }
    return trained;
  }

  /**
   * Encodes items with the trained item tower in inference mode.
   *
   * @return {@code ids.length * d} floats, row-major
   */
  public float[] encodeItems(long[] ids) {
    TwoTowerModel m = model();
    try (NDManager sub = manager.newSubManager()) {
      NDArray out = m.encodeItems(new ParameterStore(sub, false), sub.create(ids), false);
      return out.toFloatArray();
    }
  }

  /**
   * Encodes users with the trained user tower in inference mode (history towers pool the users'
   * train items).
   *
   * @return {@code ids.length * d} floats, row-major
   */
  public float[] encodeUsers(long[] ids) {
    TwoTowerModel m = model();
    try (NDManager sub = manager.newSubManager()) {
      NDArray out = m.encodeUsers(new ParameterStore(sub, false), sub.create(ids), null, false);
      return out.toFloatArray();
    }
  }

  /**
   * Exports the towers to {@code directory} with the run's configuration, what its {@code auto}
   * options resolved to ({@code cbns.effective.*}), seed and dataset fingerprint in their metadata.
   */
  public ExportedTowers exportOnnx(Path directory) {
    return OnnxExporter.builder()
        .optConfig(flatConfig())
        .optEffective(provenance.effective())
        .optSeed(config.seed())
        .optDatasetFingerprint(dataset.info().fingerprint())
        .build()
        .export(model(), directory);
  }

  @Override
  public void close() {
    try {
      if (model != null && model != trained) {
        model.close();
      }
      model = null;
      if (trained != null) {
        trained.close();
        trained = null;
      }
    } finally {
      closeManager();
      dataset.close();
    }
  }

  private void closeManager() {
    if (manager != null) {
      manager.close();
      manager = null;
    }
  }

  /**
   * What {@code run.json} says about the dataset (fields are null when the file lacks them) and
   * what the plugins' {@code auto} options resolved to ({@code effective}, flattened to {@code
   * sampler.bank-mode}-style keys; empty for runs that did not record it).
   */
  private record Provenance(String fingerprint, String location, Map<String, String> effective) {
    static Provenance read(Path file) {
      if (!Files.isRegularFile(file)) {
        return new Provenance(null, null, Map.of());
      }
      try {
        JsonNode root = JSON.readTree(file.toFile());
        JsonNode d = root.path("dataset");
        Map<String, String> effective = new LinkedHashMap<>();
        root.path("effective")
            .fields()
            .forEachRemaining(
                section ->
                    section
                        .getValue()
                        .fields()
                        .forEachRemaining(
                            e ->
                                effective.put(
                                    section.getKey() + "." + e.getKey(), e.getValue().asText())));
        return new Provenance(text(d, "fingerprint"), text(d, "location"), effective);
      } catch (IOException e) {
        throw new CbnsException(file + ": cannot read the run's provenance: " + e.getMessage(), e);
      }
    }

    private static String text(JsonNode node, String key) {
      JsonNode v = node.get(key);
      return v == null || v.isNull() ? null : v.asText();
    }
  }

  /**
   * The dataset through its factory, with the cache the training used ({@code <run.dir>/.cache},
   * the run directory's parent). When the factory cannot open it here (a relative {@code data.path}
   * seen from another working directory), the dataset directory recorded in {@code run.json} is
   * opened instead. Either way its fingerprint must be the one recorded.
   */
  private static InteractionDataset openDataset(
      Path runDir, RunConfig config, DatasetSourceFactory source, Provenance provenance) {
    Path cache = RunDirectory.of(runDir).datasetCache();
    InteractionDataset dataset;
    try {
      dataset = source.open(new DatasetContext(cache, config.seed()), config.data().options());
    } catch (CbnsException e) {
      Path recorded = provenance.location() == null ? null : Path.of(provenance.location());
      if (recorded == null || !Files.isRegularFile(recorded.resolve("manifest.json"))) {
        throw new CbnsException(
            "cannot open the dataset of "
                + runDir
                + " (data.source "
                + config.data().name()
                + "): "
                + e.getMessage()
                + "; run from the directory the training ran in, or keep the dataset cache",
            e);
      }
      LOG.info("data.source {} failed here ({}); opening {}", source.name(), e, recorded);
      dataset = ArrowInteractionDataset.open(recorded);
    }
    String fingerprint = dataset.info().fingerprint();
    if (provenance.fingerprint() != null && !provenance.fingerprint().equals(fingerprint)) {
      dataset.close();
      throw new CbnsException(
          "the dataset of "
              + runDir
              + " changed since training: its fingerprint is "
              + fingerprint
              + " but run.json records "
              + provenance.fingerprint()
              + "; serve with the data the model was trained on");
    }
    return dataset;
  }

  /**
   * Loads {@code file} written either by {@link ModelFiles#save} (with its header) or by a bare
   * {@code block().saveParameters} (what {@link TrainJob} writes).
   */
  private static void loadParameters(TwoTowerModel model, Path file, NDManager manager) {
    if (hasModelFilesHeader(file)) {
      ModelFiles.load(model, file);
      return;
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      model.block().loadParameters(manager, new DataInputStream(in));
    } catch (MalformedModelException e) {
      throw new CbnsException(
          file
              + ": cannot load into the towers "
              + file.getParent().resolve(RunDirectory.CONFIG_FILE)
              + " describes: "
              + e.getMessage(),
          e);
    } catch (EOFException e) {
      throw new CbnsException(file + ": truncated parameter file; train again", e);
    } catch (IOException | RuntimeException e) {
      throw new CbnsException(file + ": cannot read model parameters: " + e, e);
    }
  }

  private static boolean hasModelFilesHeader(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(MODEL_FILES_MAGIC.length);
      return Arrays.equals(head, MODEL_FILES_MAGIC);
    } catch (IOException e) {
      throw new CbnsException(file + ": cannot read model parameters: " + e, e);
    }
  }

  // DataOutputStream.writeUTF("cbns-model-parameters"): a two-byte length, then the bytes
  private static byte[] magicOfModelFiles() {
    byte[] text = "cbns-model-parameters".getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[text.length + 2];
    out[0] = (byte) (text.length >>> 8);
    out[1] = (byte) text.length;
    System.arraycopy(text, 0, out, 2, text.length);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static void flatten(String prefix, Map<String, Object> tree, Map<String, String> out) {
    for (Map.Entry<String, Object> e : tree.entrySet()) {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      Object v = e.getValue();
      if (v instanceof Map<?, ?> m) {
        flatten(key, (Map<String, Object>) m, out);
      } else if (v != null) {
        out.put(key, v.toString());
      }
    }
  }
}
