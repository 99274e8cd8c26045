package io.cbns.runner.serving;

import io.cbns.core.model.OnnxContract;
import io.cbns.serving.Recommender;
import io.cbns.serving.ServedRun;
import io.cbns.serving.ServingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the CLI's serving commands ({@code recommend}, {@code index}, {@code serve}) get a {@link
 * Recommender} for a run: the towers in {@code --onnx DIR}, or in {@code RUN_DIR/onnx}, exported
 * there first when a file is missing (an explicit {@code --onnx} is never written to), the run's
 * dataset, and its HNSW index in {@code RUN_DIR/index} unless {@code --exact}.
 */
public final class ServingSetup {
  private static final Logger LOG = LoggerFactory.getLogger(ServingSetup.class);

  private ServingSetup() {}

  /** The folder with the two towers: {@code onnxDir}, or the run's own (exported when missing). */
  public static Path towers(TrainedRun run, Path onnxDir) {
    Path dir = onnxDir != null ? onnxDir : run.onnxDir();
    if (onnxDir == null
        && !(Files.isRegularFile(dir.resolve(OnnxContract.USER_TOWER_FILE))
            && Files.isRegularFile(dir.resolve(OnnxContract.ITEM_TOWER_FILE)))) {
      LOG.info("no ONNX towers in {} yet: exporting them", dir);
      run.exportOnnx(dir);
    }
    return dir;
  }

  /** A recommender for {@code run} with the towers of {@link #towers}. */
  public static Recommender open(TrainedRun run, Path onnxDir, ServingOptions options) {
    return ServedRun.recommender(
        towers(run, onnxDir),
        run.indexDir(),
        run.dataset(),
        run.config().model().dimension(),
        options);
  }
}
