package io.cbns.runner.commands;

import io.cbns.core.config.Options;
import io.cbns.data.arrow.importer.DatasetImporter;
import io.cbns.data.arrow.importer.ImportReport;
import io.cbns.runner.config.ConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cbns import FORMAT --out DIR --set key=value ...}: raw files to an Arrow dataset. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Convert interaction files into an Arrow dataset directory (see docs/data.md).",
      "Example: cbns import lightgcn --set path=../shared/data/gowalla --out data/gowalla",
      "The output is written atomically: a failed import leaves no directory."
    })
public final class ImportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "FORMAT",
      description = "lightgcn (train.txt/test.txt, 'user item item ...') or delimited (CSV/TSV).")
  String format;

  @Option(
      names = {"-o", "--out"},
      required = true,
      paramLabel = "DIR",
      description = "The dataset directory to create (must not exist unless overwrite=true).")
  Path out;

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description = "A YAML file with the importer's options (a flat mapping).")
  Path config;

  @Option(
      names = {"-s", "--set"},
      paramLabel = "KEY=VALUE",
      description = "One importer option, e.g. --set path=ratings.csv --set separator=tab.")
  List<String> options = new ArrayList<>();

  @Override
  public Integer call() {
    Map<String, Object> tree = ConfigLoader.load(config, options);
    ImportReport report = DatasetImporter.run(format, Options.of("", tree), out);
    spec.commandLine().getOut().println(report.summary());
    return 0;
  }
}
