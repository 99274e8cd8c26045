package io.cbns.core;

import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The layout of a training run directory, named in one place: every file and folder that training
 * writes and that reports, comparison, export, embedding, indexing and serving read. Code that
 * reads or writes a run directory asks this class for the path instead of spelling a file name.
 *
 * <pre>
 * RUN_DIR/
 *   config.yaml        the resolved configuration (repeat the run with --config RUN_DIR/config.yaml)
 *   run.json           provenance: dataset fingerprint, plugins, effective options, versions
 *   checkpoint.bin     the last checkpoint while training; deleted when the run completes
 *   metrics.jsonl      one line per evaluation
 *   epochs.jsonl       one line per epoch (loss, timings)
 *   drift.csv          the drift listener's measurements, when it is on
 *   drift.png          their chart
 *   model.params       the trained parameters (written at the end)
 *   summary.json       the final figures; its presence marks a completed run
 *   report.html        the report
 *   onnx/              user_tower.onnx, item_tower.onnx (cbns export-onnx)
 *   embeddings/        item_embeddings.arrow, user_embeddings.arrow (cbns embed)
 *   index/             the HNSW index (cbns index)
 * </pre>
 *
 * <p>Run directories live in a runs folder ({@code run.dir}); its {@code .cache} folder holds the
 * datasets that sources convert on first use, shared by the runs beside it.
 *
 * @param path the run directory
 */
public record RunDirectory(Path path) {
  public static final String CONFIG_FILE = "config.yaml";
  public static final String PROVENANCE_FILE = "run.json";
  public static final String CHECKPOINT_FILE = "checkpoint.bin";
  public static final String METRICS_FILE = "metrics.jsonl";
  public static final String EPOCHS_FILE = "epochs.jsonl";
  public static final String DRIFT_FILE = "drift.csv";
  public static final String DRIFT_CHART_FILE = "drift.png";
  public static final String MODEL_FILE = "model.params";
  public static final String SUMMARY_FILE = "summary.json";
  public static final String REPORT_FILE = "report.html";
  public static final String ONNX_DIR = "onnx";
  public static final String EMBEDDINGS_DIR = "embeddings";
  public static final String INDEX_DIR = "index";
  public static final String ITEM_EMBEDDINGS_FILE = "item_embeddings.arrow";
  public static final String USER_EMBEDDINGS_FILE = "user_embeddings.arrow";
  public static final String CACHE_DIR = ".cache";

  public RunDirectory {
    requireNonNull(path, "path is null");
  }

  /** The run directory {@code path}. */
  public static RunDirectory of(Path path) {
    return new RunDirectory(path);
  }

  public Path config() {
    return path.resolve(CONFIG_FILE);
  }

  public Path provenance() {
    return path.resolve(PROVENANCE_FILE);
  }

  public Path checkpoint() {
    return path.resolve(CHECKPOINT_FILE);
  }

  public Path metrics() {
    return path.resolve(METRICS_FILE);
  }

  public Path epochs() {
    return path.resolve(EPOCHS_FILE);
  }

  public Path drift() {
    return path.resolve(DRIFT_FILE);
  }

  public Path driftChart() {
    return path.resolve(DRIFT_CHART_FILE);
  }

  public Path model() {
    return path.resolve(MODEL_FILE);
  }

  public Path summary() {
    return path.resolve(SUMMARY_FILE);
  }

  public Path report() {
    return path.resolve(REPORT_FILE);
  }

  public Path onnxDir() {
    return path.resolve(ONNX_DIR);
  }

  public Path embeddingsDir() {
    return path.resolve(EMBEDDINGS_DIR);
  }

  /** The default item embeddings file of {@code cbns embed}. */
  public Path itemEmbeddings() {
    return embeddingsDir().resolve(ITEM_EMBEDDINGS_FILE);
  }

  public Path indexDir() {
    return path.resolve(INDEX_DIR);
  }

  /** The dataset cache of the runs folder that holds this run. */
  public Path datasetCache() {
    return cacheOf(path.toAbsolutePath().getParent());
  }

  /** The dataset cache of the runs folder {@code runsDir}. */
  public static Path cacheOf(Path runsDir) {
    return runsDir.resolve(CACHE_DIR);
  }

  /** Whether training completed here: {@code summary.json} exists and no checkpoint is left. */
  public boolean completed() {
    return Files.isRegularFile(summary()) && !Files.exists(checkpoint());
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
