package io.cbns.serving;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.model.OnnxContract;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.serving.onnx.OnnxTowers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A training run directory opened for serving without the training stack: the dataset recorded in
 * its {@code run.json} (an Arrow dataset directory, checked against the recorded fingerprint), the
 * exported towers in {@code onnx/} and, when {@code cbns index} built one, the HNSW index in {@code
 * index/}.
 *
 * <p>The run must have been exported ({@code ./cbns export-onnx RUN_DIR}); exporting needs the
 * training stack ({@code cbns-runner}), serving does not. Not thread-safe; the {@link Recommender}s
 * it creates are. {@link #close()} closes the dataset.
 */
public final class ServedRun implements AutoCloseable {
  private final Path runDir;
  private final InteractionDataset dataset;
  private final Optional<List<String>> userOriginals;
  private final Optional<List<String>> itemOriginals;

  private ServedRun(
      Path runDir,
      InteractionDataset dataset,
      Optional<List<String>> userOriginals,
      Optional<List<String>> itemOriginals) {
    this.runDir = runDir;
    this.dataset = dataset;
    this.userOriginals = userOriginals;
    this.itemOriginals = itemOriginals;
  }

  /**
   * Opens {@code runDir} with the dataset directory its {@code run.json} records.
   *
   * @throws CbnsException when the directory has no {@code run.json}, the dataset is gone or has
   *     changed since training
   */
  public static ServedRun open(Path runDir) {
    requireNonNull(runDir, "runDir is null");
    JsonNode dataset = provenance(runDir).path("dataset");
    String location = dataset.path("location").asText(null);
    if (location == null || !Files.isRegularFile(Path.of(location).resolve("manifest.json"))) {
      throw new CbnsException(
          "the dataset of "
              + runDir
              + " is not where run.json says ("
              + location
              + "); give its directory with ServedRun.open(runDir, datasetDir)");
    }
    return open(runDir, Path.of(location));
  }

  /**
   * Opens {@code runDir} with the Arrow dataset directory {@code datasetDir}, whose fingerprint
   * must be the one {@code run.json} records.
   */
  public static ServedRun open(Path runDir, Path datasetDir) {
    requireNonNull(runDir, "runDir is null");
    requireNonNull(datasetDir, "datasetDir is null");
    String recorded = provenance(runDir).path("dataset").path("fingerprint").asText(null);
    ArrowInteractionDataset dataset = ArrowInteractionDataset.open(datasetDir);
    String fingerprint = dataset.info().fingerprint();
    if (recorded != null && !recorded.equals(fingerprint)) {
      dataset.close();
      throw new CbnsException(
          "the dataset "
              + datasetDir
              + " is not the one "
              + runDir
              + " was trained on: its fingerprint is "
              + fingerprint
              + " but run.json records "
              + recorded);
    }
    return new ServedRun(runDir, dataset, dataset.originalUserIds(), dataset.originalItemIds());
  }

  /** The run directory. */
  public Path runDir() {
    return runDir;
  }

  /** The dataset the run was trained on; owned by this object. */
  public InteractionDataset dataset() {
    return dataset;
  }

  /** The export folder, {@code RUN_DIR/onnx}. */
  public Path onnxDir() {
    return RunDirectory.of(runDir).onnxDir();
  }

  /** The HNSW index folder, {@code RUN_DIR/index} (it may not exist). */
  public Path indexDir() {
    return RunDirectory.of(runDir).indexDir();
  }

  /** The user ids, with the original ids when the dataset has them. */
  public IdMap userIds() {
    return IdMap.of("user", dataset.info().numUsers(), userOriginals);
  }

  /** The item ids, with the original ids when the dataset has them. */
  public IdMap itemIds() {
    return IdMap.of("item", dataset.info().numItems(), itemOriginals);
  }

  /**
   * A recommender over the run's exported towers; searches with the run's HNSW index when it has
   * one and {@code options.exact()} is false.
   */
  public Recommender recommender(ServingOptions options) {
    return recommender(onnxDir(), indexDir(), dataset, null, options);
  }

  /**
   * A recommender over the towers in {@code onnxDir} for {@code dataset}.
   *
   * @param onnxDir holds {@code user_tower.onnx} and {@code item_tower.onnx}
   * @param indexDir an HNSW index directory, used when it exists and {@code options.exact()} is
   *     false
   * @param dataset the dataset the towers were trained on
   * @param expectedDimension the dimension the towers must have, or null
   */
  public static Recommender recommender(
      Path onnxDir,
      Path indexDir,
      InteractionDataset dataset,
      Integer expectedDimension,
      ServingOptions options) {
    requireNonNull(onnxDir, "onnxDir is null");
    requireNonNull(dataset, "dataset is null");
    requireNonNull(options, "options is null");
    OnnxTowers.Builder towers = towers(onnxDir, dataset).optProvider(options.provider());
    if (expectedDimension != null) {
      towers.optDimension(expectedDimension);
    }
    Recommender.Builder b =
        Recommender.builder()
            .setTowers(towers.build())
            .setTrainByUser(dataset.trainByUser())
            .optEfSearch(options.efSearch());
    if (!options.exact() && indexDir != null && Files.isDirectory(indexDir)) {
      b.optHnswIndex(indexDir);
    }
    return b.build();
  }

  /**
   * The exported towers in {@code onnxDir} ({@code user_tower.onnx}, {@code item_tower.onnx}) set
   * up for {@code dataset}: its train histories, feature tables and fingerprint; build after
   * choosing the provider and dimension.
   */
  public static OnnxTowers.Builder towers(Path onnxDir, InteractionDataset dataset) {
    return OnnxTowers.builder()
        .setUserTower(onnxDir.resolve(OnnxContract.USER_TOWER_FILE))
        .setItemTower(onnxDir.resolve(OnnxContract.ITEM_TOWER_FILE))
        .setTrainByUser(dataset.trainByUser())
        .optItemFeatures(dataset.itemFeatures().orElse(null))
        .optUserFeatures(dataset.userFeatures().orElse(null))
        .optDatasetFingerprint(dataset.info().fingerprint());
  }

  @Override
  public void close() {
    dataset.close();
  }

  private static JsonNode provenance(Path runDir) {
    if (!Files.isDirectory(runDir)) {
      throw new CbnsException("run directory not found: " + runDir);
    }
    Path file = RunDirectory.of(runDir).provenance();
    if (!Files.isRegularFile(file)) {
      throw new CbnsException(
          runDir
              + " is not a run directory: it has no "
              + RunDirectory.PROVENANCE_FILE
              + " (./cbns train)");
    }
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new CbnsException(file + ": cannot read: " + e.getMessage(), e);
    }
  }
}
