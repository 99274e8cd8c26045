package io.cbns.runner.commands;

import io.cbns.core.spi.PluginRegistry;
import io.cbns.runner.TrainJob;
import io.cbns.runner.config.ConfigLoader;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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
      description = "YAML configuration (see docs/configuration.md).")
  Path config;

  @Option(
      names = {"-s", "--set"},
      paramLabel = "KEY=VALUE",
      description =
          "Override one key, e.g. --set training.epochs=5 --set sampler.name=cross-batch.")
  List<String> overrides = new ArrayList<>();

  @Inject
  TrainCommand(PluginRegistry plugins, Clock clock) {
    this.plugins = plugins;
    this.clock = clock;
  }

  @Override
  public Integer call() {
    new TrainJob(plugins, clock)
        .run(
            ConfigLoader.load(config, overrides),
            spec.commandLine().getOut(),
            System.console() != null,
            List.of());
    return 0;
  }
}
