package io.cbns.runner.commands;

import io.cbns.runner.report.HtmlReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cbns report RUN_DIR}: (re)writes the run's self-contained HTML report. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "Write RUN_DIR/report.html: final metrics, learning curves, drift chart, environment"
            + " and configuration, in one self-contained page (train writes it too).")
public final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "RUN_DIR", description = "A finished run directory.")
  Path runDir;

  @Override
  public Integer call() {
    spec.commandLine().getOut().println("wrote " + HtmlReport.write(runDir));
    return 0;
  }
}
