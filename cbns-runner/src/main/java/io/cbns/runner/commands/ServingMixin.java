package io.cbns.runner.commands;

import io.cbns.serving.Provider;
import io.cbns.serving.ServingOptions;
import io.cbns.serving.index.HnswIndex;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options of the commands that serve a run's towers: {@code recommend} and {@code serve}. */
public final class ServingMixin {
  @Option(
      names = "--onnx",
      paramLabel = "DIR",
      description =
          "Folder with user_tower.onnx and item_tower.onnx (default: RUN_DIR/onnx, exported"
              + " there when missing).")
  Path onnxDir;

  @Option(
      names = "--provider",
      paramLabel = "NAME",
      defaultValue = "auto",
      description =
          "ONNX Runtime execution provider: auto (CUDA when available, else CPU), cpu, cuda"
              + " (default: ${DEFAULT-VALUE}).")
  String provider;

  @Option(
      names = "--exact",
      description =
          "Score every item even when the run has an HNSW index (RUN_DIR/index, see cbns index).")
  boolean exact;

  @Option(
      names = "--ef",
      paramLabel = "N",
      defaultValue = "" + HnswIndex.DEFAULT_EF_SEARCH,
      description =
          "HNSW candidates per query (max(N, k) are searched; more finds more of the exact top k,"
              + " slower); default ${DEFAULT-VALUE}.")
  int ef;

  /** The options, validated; a bad value is a usage error of {@code spec}'s command. */
  ServingOptions options(CommandSpec spec) {
    Provider p =
        switch (provider) {
          case "auto" -> Provider.AUTO;
          case "cpu" -> Provider.CPU;
          case "cuda" -> Provider.CUDA;
          default ->
              throw new ParameterException(
                  spec.commandLine(),
                  "--provider: unknown '" + provider + "'; valid: auto, cpu, cuda");
        };
    if (ef < 1) {
      throw new ParameterException(spec.commandLine(), "--ef must be at least 1, got " + ef);
    }
    return new ServingOptions(p, exact, ef);
  }
}
