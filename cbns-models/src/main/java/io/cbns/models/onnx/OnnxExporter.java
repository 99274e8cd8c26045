package io.cbns.models.onnx;

import static java.util.Objects.requireNonNull;

import ai.djl.engine.Engine;
import ai.onnx.proto.OnnxMl;
import io.cbns.core.CbnsException;
import io.cbns.core.model.FixedEmbeddings;
import io.cbns.core.model.OnnxContract;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.models.ModelFiles;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes the user tower and the item tower of a model as two ONNX models (opset 13, IR version 7,
 * runnable with ONNX Runtime 1.20):
 *
 * <ul>
 *   <li>{@code user_tower.onnx}: input {@code user_id int64 [batch]} (and, for {@code youtube-dnn},
 *       {@code history int64 [batch, history_length]} and {@code history_mask float [batch,
 *       history_length]}) to output {@code user_embedding float [batch, d]};
 *   <li>{@code item_tower.onnx}: input {@code item_id int64 [batch]} to output {@code
 *       item_embedding float [batch, d]}.
 * </ul>
 *
 * Both carry {@code metadata_props} with the keys of {@link OnnxMetadata}: tower type, part,
 * dimension, normalisation, the tower's sizes and options, seed, dataset fingerprint, framework
 * version and the caller's configuration. Parameters are copied into the graphs as initializers, so
 * the model may be closed afterwards.
 *
 * <p>Immutable and thread-safe; exporting reads the model's parameters, so do not train the model
 * at the same time.
 */
public final class OnnxExporter {
  /** File name of the user tower in the export folder. */
  public static final String USER_TOWER_FILE = OnnxContract.USER_TOWER_FILE;

  /** File name of the item tower in the export folder. */
  public static final String ITEM_TOWER_FILE = OnnxContract.ITEM_TOWER_FILE;

  private static final long IR_VERSION = 7;

  private final Map<String, String> config;
  private final Map<String, String> effective;
  private final Long seed;
  private final String datasetFingerprint;
  private final String frameworkVersion;

  private OnnxExporter(Builder b) {
    this.config = Map.copyOf(b.config);
    this.effective = Map.copyOf(b.effective);
    this.seed = b.seed;
    this.datasetFingerprint = b.datasetFingerprint;
    this.frameworkVersion = b.frameworkVersion != null ? b.frameworkVersion : defaultVersion();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of an {@link OnnxExporter}; all optional. */
  public static final class Builder {
    private final Map<String, String> config = new LinkedHashMap<>();
    private final Map<String, String> effective = new LinkedHashMap<>();
    private Long seed;
    private String datasetFingerprint = "";
    private String frameworkVersion;

    private Builder() {}

    /** Configuration entries written as {@code cbns.config.<key>} (e.g. the resolved config). */
    public Builder optConfig(Map<String, String> entries) {
      requireNonNull(entries, "entries is null").forEach((k, v) -> config.put(k, v));
      return this;
    }

    /**
     * What the run's {@code auto} options resolved to (e.g. {@code sampler.bank-mode}), written as
     * {@code cbns.effective.<key>}, so that a served model tells which bank and warm-up trained it.
     */
    public Builder optEffective(Map<String, String> entries) {
      requireNonNull(entries, "entries is null").forEach((k, v) -> effective.put(k, v));
      return this;
    }

    /** The run seed; default: the model's initialisation seed. */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** A fingerprint of the training data; default empty. */
    public Builder optDatasetFingerprint(String fingerprint) {
      this.datasetFingerprint = requireNonNull(fingerprint, "fingerprint is null");
      return this;
    }

    /** Overrides the framework version string; default {@code cbns-models <v>; djl <v>}. */
    public Builder optFrameworkVersion(String version) {
      this.frameworkVersion = requireNonNull(version, "version is null");
      return this;
    }

    public OnnxExporter build() {
      for (Map<String, String> entries : List.of(config, effective)) {
        for (String key : entries.keySet()) {
          if (key.isEmpty() || entries.get(key) == null) {
            throw new IllegalArgumentException(
                "config and effective keys must be non-empty with non-null values");
          }
        }
      }
      return new OnnxExporter(this);
    }
  }

  /**
   * Writes {@code user_tower.onnx} and {@code item_tower.onnx} into {@code directory} (created if
   * missing), each atomically.
   *
   * @throws CbnsException when the model's tower cannot be exported or a file cannot be written
   */
  public ExportedTowers export(TwoTowerModel model, Path directory) {
    requireNonNull(directory, "directory is null");
    OnnxMl.ModelProto user = userTower(model);
    OnnxMl.ModelProto item = itemTower(model);
    Path userPath = directory.resolve(USER_TOWER_FILE);
    Path itemPath = directory.resolve(ITEM_TOWER_FILE);
    ModelFiles.writeAtomically(userPath, user::writeTo);
    ModelFiles.writeAtomically(itemPath, item::writeTo);
    return new ExportedTowers(userPath, itemPath);
  }

  /** The user tower as an ONNX model. */
  public OnnxMl.ModelProto userTower(TwoTowerModel model) {
    OnnxExportable tower = exportable(model);
    return model("user", model, tower, tower::buildUserTower);
  }

  /** The item tower as an ONNX model. */
  public OnnxMl.ModelProto itemTower(TwoTowerModel model) {
    OnnxExportable tower = exportable(model);
    return model("item", model, tower, tower::buildItemTower);
  }

  private OnnxMl.ModelProto model(
      String part, TwoTowerModel model, OnnxExportable tower, Consumer<TowerGraph> body) {
    TowerGraph graph = new TowerGraph(tower.towerType().replace('-', '_') + "_" + part + "_tower");
    body.accept(graph);
    OnnxMl.GraphProto proto = graph.build();

    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(OnnxMetadata.TOWER, tower.towerType());
    meta.put(OnnxMetadata.PART, part);
    meta.put(OnnxMetadata.DIMENSION, String.valueOf(model.dimension()));
    meta.put(OnnxMetadata.NORMALIZE, String.valueOf(tower.normalize()));
    tower.onnxMetadata().forEach((k, v) -> meta.put(OnnxMetadata.PREFIX + k, v));
    meta.put(OnnxMetadata.SEED, String.valueOf(seed != null ? seed : tower.seed()));
    meta.put(OnnxMetadata.DATASET_FINGERPRINT, datasetFingerprint);
    meta.put(OnnxMetadata.FRAMEWORK_VERSION, frameworkVersion);
    meta.put(OnnxMetadata.INPUTS, String.join(",", graph.inputNames()));
    meta.put(OnnxMetadata.OUTPUT, proto.getOutput(0).getName());
    config.forEach((k, v) -> meta.put(OnnxMetadata.CONFIG_PREFIX + k, v));
    effective.forEach((k, v) -> meta.put(OnnxMetadata.EFFECTIVE_PREFIX + k, v));

    OnnxMl.ModelProto.Builder b =
        OnnxMl.ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .setProducerName("cbns")
            .setProducerVersion(frameworkVersion)
            .setDomain("io.cbns")
            .setModelVersion(1)
            .setDocString(tower.towerType() + " " + part + " tower exported by cbns")
            .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(OnnxOps.OPSET))
            .setGraph(proto);
    meta.forEach(
        (k, v) ->
            b.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return b.build();
  }

  private static OnnxExportable exportable(TwoTowerModel model) {
    requireNonNull(model, "model is null");
    if (model instanceof FixedEmbeddings fixed) {
      return new FixedTablesExport(fixed);
    }
    if (!(model instanceof OnnxExportable e)) {
      throw new CbnsException(
          "the tower "
              + model.getClass().getName()
              + " cannot be exported to ONNX (it does not implement "
              + OnnxExportable.class.getName()
              + ")");
    }
    return e;
  }

  private static String defaultVersion() {
    String own = OnnxExporter.class.getPackage().getImplementationVersion();
    return "cbns-models " + (own != null ? own : "dev") + "; djl " + Engine.getDjlVersion();
  }
}
