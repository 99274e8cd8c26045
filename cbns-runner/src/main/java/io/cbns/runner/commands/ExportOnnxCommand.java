package io.cbns.runner.commands;

import io.cbns.core.spi.PluginRegistry;
import io.cbns.models.onnx.ExportedTowers;
import io.cbns.runner.serving.TrainedRun;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cbns export-onnx RUN_DIR}: writes the trained towers as two ONNX models. */
@Command(
    name = "export-onnx",
    mixinStandardHelpOptions = true,
    description = {
      "Export the trained towers of a run as user_tower.onnx and item_tower.onnx (see"
          + " docs/serving.md), with the run's config, seed and dataset fingerprint in their"
          + " metadata."
    })
public final class ExportOnnxCommand implements Callable<Integer> {
  private final PluginRegistry plugins;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "RUN_DIR", description = "A run directory written by cbns train.")
  Path runDir;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "DIR",
      description = "Where to write the two files (default: RUN_DIR/onnx).")
  Path out;

  @Inject
  ExportOnnxCommand(PluginRegistry plugins) {
    this.plugins = plugins;
  }

  @Override
  public Integer call() {
    try (TrainedRun run = TrainedRun.open(plugins, runDir)) {
      ExportedTowers files = run.exportOnnx(out != null ? out : run.onnxDir());
      PrintWriter w = spec.commandLine().getOut();
      w.println("wrote " + files.userTower());
      w.println("wrote " + files.itemTower());
      w.flush();
    }
    return 0;
  }
}
