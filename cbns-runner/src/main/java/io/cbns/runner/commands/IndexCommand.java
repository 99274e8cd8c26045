package io.cbns.runner.commands;

import io.cbns.core.spi.PluginRegistry;
import io.cbns.runner.serving.ServingSetup;
import io.cbns.runner.serving.TrainedRun;
import io.cbns.serving.Recommender;
import io.cbns.serving.ServingOptions;
import io.cbns.serving.index.Exclusion;
import io.cbns.serving.index.HnswIndex;
import io.cbns.serving.index.HnswSettings;
import io.cbns.serving.index.IndexComparison;
import io.cbns.serving.index.ItemEmbeddings;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cbns index RUN_DIR}: builds the HNSW index of the item embeddings into RUN_DIR/index. */
@Command(
    name = "index",
    mixinStandardHelpOptions = true,
    description = {
      "Build an HNSW index (Lucene) over the item embeddings of the run's ONNX item tower into"
          + " RUN_DIR/index; recommend and serve then search it instead of every item (see"
          + " docs/serving.md).",
      "With --check N, compare it with the exact search on N users: recall@k and queries/s."
    })
public final class IndexCommand implements Callable<Integer> {
  private final PluginRegistry plugins;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "RUN_DIR", description = "A run directory written by cbns train.")
  Path runDir;

  @Option(
      names = "--m",
      paramLabel = "M",
      defaultValue = "16",
      description =
          "Neighbours per node and layer (2M on the bottom layer); default ${DEFAULT-VALUE}.")
  int m;

  @Option(
      names = "--beam-width",
      paramLabel = "N",
      defaultValue = "100",
      description = "Candidates considered while inserting a node; default ${DEFAULT-VALUE}.")
  int beamWidth;

  @Option(
      names = "--check",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "After building, measure recall@k against the exact search and queries/s of both on N"
              + " random users (their train items excluded); default 0 (no check).")
  int check;

  @Option(
      names = "--ef",
      paramLabel = "N[,N...]",
      split = ",",
      description = "Search beams to check with --check (default 100).")
  List<Integer> efs = new ArrayList<>(List.of(HnswIndex.DEFAULT_EF_SEARCH));

  @Option(
      names = "-k",
      paramLabel = "K",
      defaultValue = "20",
      description = "Items per query for --check (default ${DEFAULT-VALUE}).")
  int k;

  @Inject
  IndexCommand(PluginRegistry plugins) {
    this.plugins = plugins;
  }

  @Override
  public Integer call() {
    HnswSettings settings;
    try {
      settings = new HnswSettings(m, beamWidth);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (check < 0 || k < 1 || efs.stream().anyMatch(ef -> ef < 1)) {
      throw new ParameterException(
          spec.commandLine(), "--check must be >= 0, -k and every --ef >= 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (TrainedRun run = TrainedRun.open(plugins, runDir);
        Recommender exact =
            ServingSetup.open(
                run, null, new ServingOptions(io.cbns.serving.Provider.AUTO, true, 1))) {
      ItemEmbeddings items =
          new ItemEmbeddings(exact.numItems(), exact.dimension(), exact.itemEmbeddings());
      Path itemTower = run.onnxDir().resolve(io.cbns.core.model.OnnxContract.ITEM_TOWER_FILE);
      Path target = run.indexDir();
      HnswIndex.Description d =
          HnswIndex.build(items, settings, HnswIndex.sourceOf(itemTower), target);
      out.printf(
          "wrote %s (%,d items, d=%d, m=%d, beam-width=%d) in %.1f s%n",
          target,
          d.numItems(),
          d.dimension(),
          settings.maxConnections(),
          settings.beamWidth(),
          d.buildSeconds());
      out.flush();
      if (check > 0) {
        check(run, exact, items, itemTower, out);
      }
    }
    return 0;
  }

  private void check(
      TrainedRun run, Recommender exact, ItemEmbeddings items, Path itemTower, PrintWriter out) {
    int users = exact.numUsers();
    int n = Math.min(check, users);
    SplittableRandom random = new SplittableRandom(20210711);
    long[] ids = random.longs(n, 0, users).toArray();
    float[] queries = exact.userEmbeddings(ids);
    Exclusion[] exclusions = new Exclusion[n];
    for (int i = 0; i < n; i++) {
      exclusions[i] = Exclusion.ofRow(run.dataset().trainByUser(), (int) ids[i]);
    }
    for (int ef : efs) {
      try (HnswIndex hnsw =
          HnswIndex.open(run.indexDir(), items, HnswIndex.sourceOf(itemTower), ef)) {
        IndexComparison.Result r =
            IndexComparison.compare(exact.index(), hnsw, queries, exclusions, k, Math.min(n, 500));
        out.printf(
            java.util.Locale.ROOT,
            "check, %,d users, k=%d, ef=%d: recall@%d %.4f of exact; exact %s; hnsw %s;"
                + " %.1fx%n",
            n,
            k,
            ef,
            k,
            r.recall(),
            r.exact(),
            r.approximate(),
            r.speedup());
        out.flush();
      }
    }
  }
}
