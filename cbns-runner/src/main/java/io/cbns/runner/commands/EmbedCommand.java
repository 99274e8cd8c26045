package io.cbns.runner.commands;

import io.cbns.core.RunDirectory;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.models.onnx.OnnxMetadata;
import io.cbns.runner.report.TaskProgress;
import io.cbns.runner.serving.TrainedRun;
import io.cbns.serving.EmbeddingFiles;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cbns embed RUN_DIR}: writes the item (and user) embeddings as Arrow IPC files. */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description = {
      "Compute every item's embedding (and every user's with --users) with the trained towers and"
          + " write them as Arrow IPC files (columns item_id/user_id int32, embedding"
          + " FixedSizeList<float32>[d]), e.g. to build an ANN index. See docs/serving.md."
    })
public final class EmbedCommand implements Callable<Integer> {
  private final PluginRegistry plugins;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "RUN_DIR", description = "A run directory written by cbns train.")
  Path runDir;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "FILE",
      description =
          "The item embeddings file (default: RUN_DIR/"
              + RunDirectory.EMBEDDINGS_DIR
              + "/"
              + RunDirectory.ITEM_EMBEDDINGS_FILE
              + ").")
  Path out;

  @Option(names = "--users", description = "Also write the user embeddings (to --users-out).")
  boolean users;

  @Option(
      names = "--users-out",
      paramLabel = "FILE",
      description =
          "The user embeddings file (default: "
              + RunDirectory.USER_EMBEDDINGS_FILE
              + " next to --out).")
  Path usersOut;

  @Option(
      names = "--chunk-size",
      paramLabel = "N",
      defaultValue = "8192",
      description = "Ids encoded per step and per Arrow record batch (default: ${DEFAULT-VALUE}).")
  int chunkSize;

  @Inject
  EmbedCommand(PluginRegistry plugins) {
    this.plugins = plugins;
  }

  @Override
  public Integer call() {
    if (chunkSize < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--chunk-size must be at least 1, got " + chunkSize);
    }
    PrintWriter w = spec.commandLine().getOut();
    try (TrainedRun run = TrainedRun.open(plugins, runDir)) {
      int d = run.model().dimension();
      Path itemsFile = out != null ? out : RunDirectory.of(runDir).itemEmbeddings();
      int numItems = run.dataset().info().numItems();
      write(w, "items", itemsFile, EmbeddingFiles.ITEM_ID, numItems, run::encodeItems, run);
      w.printf("wrote %s (%,d items x %d)%n", itemsFile, numItems, d);
      if (users) {
        Path usersFile =
            usersOut != null
                ? usersOut
                : itemsFile.toAbsolutePath().getParent().resolve(RunDirectory.USER_EMBEDDINGS_FILE);
        int numUsers = run.dataset().info().numUsers();
        write(w, "users", usersFile, EmbeddingFiles.USER_ID, numUsers, run::encodeUsers, run);
        w.printf("wrote %s (%,d users x %d)%n", usersFile, numUsers, d);
      }
      w.flush();
    }
    return 0;
  }

  /** Writes one table, showing a progress bar (or log lines) of the ids encoded. */
  private void write(
      PrintWriter w,
      String what,
      Path file,
      String idColumn,
      int count,
      EmbeddingFiles.Encoder encoder,
      TrainedRun run) {
    boolean items = idColumn.equals(EmbeddingFiles.ITEM_ID);
    try (TaskProgress progress =
        TaskProgress.start(w, System.console() != null, "embedding " + what, count, what)) {
      EmbeddingFiles.write(
          file,
          idColumn,
          count,
          run.model().dimension(),
          chunkSize,
          ids -> {
            float[] rows = encoder.encode(ids);
            progress.stepBy(ids.length);
            return rows;
          },
          (items ? run.originalItemIds() : run.originalUserIds()).orElse(null),
          metadata(run, items ? "item" : "user"));
    }
  }

  private static Map<String, String> metadata(TrainedRun run, String part) {
    Map<String, String> m = new LinkedHashMap<>();
    // the keys of the ONNX export, so that both describe a model the same way
    m.put(OnnxMetadata.TOWER, run.config().model().tower());
    m.put(OnnxMetadata.PART, part);
    m.put(OnnxMetadata.DIMENSION, String.valueOf(run.config().model().dimension()));
    m.put(OnnxMetadata.NORMALIZE, String.valueOf(run.unitOutputs()));
    m.put(OnnxMetadata.SEED, String.valueOf(run.config().seed()));
    m.put(OnnxMetadata.DATASET_FINGERPRINT, run.dataset().info().fingerprint());
    m.put(OnnxMetadata.PREFIX + "run_dir", run.runDir().toAbsolutePath().toString());
    return m;
  }
}
