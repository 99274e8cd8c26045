package io.cbns.runner.commands;

import io.cbns.core.spi.CbnsPlugin;
import io.cbns.core.spi.NamedFactory;
import io.cbns.core.spi.PluginRegistry;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Lists the discovered plugins and their factories by kind. */
@Command(
    name = "plugins",
    mixinStandardHelpOptions = true,
    description = "List the plugins found on the class path and what each contributes.")
public final class PluginsCommand implements Runnable {
  private final PluginRegistry registry;
  @Spec CommandSpec spec;

  @Inject
  PluginsCommand(PluginRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    out.print("plugins:");
    for (CbnsPlugin p : registry.plugins()) {
      out.print(" " + p.name());
    }
    out.println();
    print(out, "samplers (sampler.name)", registry.samplers());
    print(out, "towers (model.tower)", registry.towers());
    print(out, "dataset sources (data.source)", registry.datasetSources());
    print(out, "frequency estimators (frequency.name)", registry.frequencyEstimators());
    print(out, "listeners (each reads the section of its name)", registry.listeners());
    out.flush();
  }

  private static void print(PrintWriter out, String kind, Map<String, ? extends NamedFactory> f) {
    out.println(kind + ":");
    if (f.isEmpty()) {
      out.println("  (none)");
    }
    f.forEach((name, factory) -> out.printf("  %-14s %s%n", name, factory.description()));
  }
}
