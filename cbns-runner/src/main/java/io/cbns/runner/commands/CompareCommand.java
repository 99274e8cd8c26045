package io.cbns.runner.commands;

import io.cbns.runner.report.LearningCurves;
import io.cbns.runner.report.RunComparison;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cbns compare RUN_DIR...}: one table (and optionally a bar chart and the learning curves)
 * of several runs.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = "Compare finished runs: tower, sampler, epochs, training time, Recall@K, NDCG@K.")
public final class CompareCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "RUN_DIR", arity = "1..*", description = "Run directories.")
  List<Path> runs;

  @Option(
      names = {"-k"},
      paramLabel = "K",
      defaultValue = "20",
      description = "The cut-off to compare (must have been evaluated); default ${DEFAULT-VALUE}.")
  int k;

  @Option(
      names = {"--chart"},
      paramLabel = "PNG",
      description = "Also draw a bar chart of the metrics into this PNG file.")
  Path chart;

  @Option(
      names = {"--curves"},
      paramLabel = "PNG",
      description =
          "Also draw the learning curves (Recall@K of each evaluation, validation when the runs"
              + " have it, against the epoch and against the training seconds) into this PNG.")
  Path curves;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    out.print(RunComparison.table(runs, k));
    if (chart != null) {
      RunComparison.chart(runs, k, chart);
      out.println("wrote " + chart);
    }
    if (curves != null) {
      LearningCurves.render(runs, k, curves);
      out.println("wrote " + curves);
    }
    // the launcher exits with System.exit right after: what is still buffered would be lost
    out.flush();
    return 0;
  }
}
