package io.cbns.runner.commands;

import picocli.CommandLine.Command;

/** The top-level command; its subcommands do the work. */
@Command(
    name = "cbns",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Train two-tower retrieval models with Cross-Batch Negative Sampling.",
    subcommands = {
      TrainCommand.class,
      ImportCommand.class,
      PluginsCommand.class,
      DriftCommand.class,
      ReportCommand.class,
      CompareCommand.class,
      ExportOnnxCommand.class,
      EmbedCommand.class,
      SmoothCommand.class,
      IndexCommand.class,
      RecommendCommand.class,
      ServeCommand.class
    })
public final class CbnsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
