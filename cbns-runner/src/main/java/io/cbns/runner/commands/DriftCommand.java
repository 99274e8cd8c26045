package io.cbns.runner.commands;

import io.cbns.runner.report.DriftChart;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cbns drift RUN_DIR}: redraws the feature-drift chart of a run. */
@Command(
    name = "drift",
    mixinStandardHelpOptions = true,
    description = "Redraw drift.png from the drift.csv of a run (train with drift.enabled: true).")
public final class DriftCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "RUN_DIR", description = "A run directory.")
  Path runDir;

  @Override
  public Integer call() {
    Path png = DriftChart.render(runDir);
    spec.commandLine().getOut().println("wrote " + png);
    return 0;
  }
}
