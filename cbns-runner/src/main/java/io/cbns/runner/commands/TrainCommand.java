package io.cbns.runner.commands;

import io.cbns.core.spi.PluginRegistry;
import io.cbns.runner.TrainJob;
import io.cbns.runner.config.ConfigLoader;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cbns train}: trains with a YAML config (or the synthetic default) and evaluates. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train two towers, evaluate them against the most-popular baseline, and write a run"
          + " directory.",
      "Without --config it trains the mf towers with in-batch negatives on the embedded"
          + " synthetic dataset."
    })
public final class TrainCommand implements Callable<Integer> {
  private final PluginRegistry plugins;
  private final Clock clock;
  @Spec CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description =
          "YAML configuration (see docs/configuration.md); repeat to merge several, later files"
              + " overriding earlier ones.")
  List<Path> configs = new ArrayList<>();

  @Option(
      names = {"-s", "--set"},
      paramLabel = "KEY=VALUE",
      description =
          "Override one key, e.g. --set training.epochs=5 --set sampler.name=cross-batch.")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--resume",
      paramLabel = "RUN_DIR",
      description =
          "Continue the run in RUN_DIR from its checkpoint, with its own config.yaml (no --config"
              + " or --set).")
  Path resume;

  @Inject
  TrainCommand(PluginRegistry plugins, Clock clock) {
    this.plugins = plugins;
    this.clock = clock;
  }

  @Override
  public Integer call() {
    if (resume != null && (!configs.isEmpty() || !overrides.isEmpty())) {
      throw new ParameterException(
          spec.commandLine(),
          "--resume continues a run with its own config.yaml; drop --config and --set");
    }
    PrintWriter out = spec.commandLine().getOut();
    boolean interactive = System.console() != null;
    TrainJob job = new TrainJob(plugins, clock);
    try (InterruptRequest interrupt = InterruptRequest.install(spec.commandLine().getErr())) {
      if (resume != null) {
        job.resume(resume, out, interactive, List.of(), interrupt);
      } else {
        job.run(
            ConfigLoader.load(configs, overrides), out, interactive, List.of(), null, interrupt);
      }
    }
    return 0;
  }
}
