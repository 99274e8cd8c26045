package io.cbns.runner.commands;

import io.cbns.core.CbnsException;
import io.cbns.core.config.Options;
import io.cbns.data.arrow.importer.DatasetImporter;
import io.cbns.data.arrow.importer.ImportReport;
import io.cbns.data.arrow.importer.ImportSpec;
import io.cbns.runner.config.ConfigLoader;
import io.cbns.runner.report.TaskProgress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
    PrintWriter w = spec.commandLine().getOut();
    // the importer reports no progress of its own: show what it reads and how long it has taken
    String sources = describeSources(format, tree);
    boolean interactive = System.console() != null;
    if (!interactive && !sources.isEmpty()) {
      w.println("importing " + format + ": " + sources);
      w.flush();
    }
    ImportReport report;
    try (TaskProgress progress = TaskProgress.start(w, interactive, "import " + format, -1, "")) {
      progress.setMessage(sources);
      report = DatasetImporter.run(format, Options.of("", tree), out);
    }
    w.println(report.summary());
    return 0;
  }

  /**
   * E.g. {@code train.txt, test.txt (45.3 MB)}; empty when the options are wrong, so that the
   * import itself reports the problem, in its own order (unknown keys first).
   */
  private static String describeSources(String format, Map<String, Object> tree) {
    ImportSpec importSpec;
    try {
      importSpec = DatasetImporter.spec(format, Options.of("", tree));
    } catch (CbnsException e) {
      return "";
    }
    long bytes = 0;
    StringBuilder names = new StringBuilder();
    for (Path f : importSpec.sourceFiles()) {
      try {
        bytes += Files.size(f);
      } catch (IOException e) {
        return "";
      }
      names.append(names.length() == 0 ? "" : ", ").append(f.getFileName());
    }
    return String.format(Locale.ROOT, "%s (%.1f MB)", names, bytes / 1e6);
  }
}
