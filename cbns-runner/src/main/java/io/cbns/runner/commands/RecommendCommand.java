package io.cbns.runner.commands;

import io.cbns.core.CbnsException;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.runner.serving.RecommendBenchmark;
import io.cbns.runner.serving.RecommendationLines;
import io.cbns.runner.serving.ServingSetup;
import io.cbns.runner.serving.TrainedRun;
import io.cbns.serving.IdMap;
import io.cbns.serving.Recommender;
import io.cbns.serving.Recommender.Recommendation;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cbns recommend RUN_DIR --user ID | --users-file FILE}: top-k items per user with the
 * exported towers in ONNX Runtime, searched in the run's HNSW index when it has one.
 */
@Command(
    name = "recommend",
    mixinStandardHelpOptions = true,
    description = {
      "Recommend the top k items to users with the run's ONNX towers (exported to RUN_DIR/onnx"
          + " first if missing), never a user's train items; with the run's HNSW index"
          + " (cbns index) when it has one, unless --exact.",
      "Output: one line per user, USER<TAB>ITEM:SCORE,ITEM:SCORE,... best first (see"
          + " docs/serving.md)."
    })
public final class RecommendCommand implements Callable<Integer> {
  private final PluginRegistry plugins;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "RUN_DIR", description = "A run directory written by cbns train.")
  Path runDir;

  @Option(
      names = {"-u", "--user"},
      paramLabel = "ID",
      description =
          "A user id (repeatable); the dataset's original id when it was imported with an id map.")
  List<String> users = new ArrayList<>();

  @Option(
      names = "--users-file",
      paramLabel = "FILE",
      description = "A file of user ids, one per line (blank lines and # comments are skipped).")
  Path usersFile;

  @Option(
      names = "-k",
      paramLabel = "K",
      defaultValue = "20",
      description = "Items per user (default: ${DEFAULT-VALUE}).")
  int k;

  @Mixin ServingMixin serving;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "256",
      description = "Users per batch with --users-file (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--benchmark",
      paramLabel = "N",
      hidden = true,
      description =
          "Measure instead of printing: N single-user requests (after warm-up) and one pass"
              + " over all users in batches of --batch-size.")
  int benchmark;

  @Inject
  RecommendCommand(PluginRegistry plugins) {
    this.plugins = plugins;
  }

  @Override
  public Integer call() {
    if (k < 1) {
      throw new ParameterException(spec.commandLine(), "-k must be at least 1, got " + k);
    }
    if (batchSize < 1) {
      throw new ParameterException(
          spec.commandLine(), "--batch-size must be at least 1, got " + batchSize);
    }
    if (benchmark == 0 && users.isEmpty() == (usersFile == null)) {
      throw new ParameterException(
          spec.commandLine(), "give either --user ID (one or more) or --users-file FILE");
    }
    var options = serving.options(spec);
    PrintWriter out = spec.commandLine().getOut();
    try (TrainedRun run = TrainedRun.open(plugins, runDir);
        Recommender recommender = ServingSetup.open(run, serving.onnxDir, options)) {
      if (k > recommender.numItems()) {
        PrintWriter err = spec.commandLine().getErr();
        err.printf(
            "note: -k %d is more than the %,d items of the catalogue; each user gets at most %,d"
                + " items, fewer by their train items%n",
            k, recommender.numItems(), recommender.numItems());
        err.flush();
      }
      IdMap userIds = run.userIds();
      IdMap itemIds = run.itemIds();
      if (benchmark > 0) {
        RecommendBenchmark.run(recommender, k, benchmark, batchSize, out);
        return 0;
      }
      if (usersFile == null) {
        long[] ids = new long[users.size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = userIds.parse(users.get(i));
        }
        print(recommender.recommend(ids, k), userIds, itemIds, out);
      } else {
        recommendFile(recommender, userIds, itemIds, out);
      }
      out.flush();
    }
    return 0;
  }

  private void recommendFile(
      Recommender recommender, IdMap userIds, IdMap itemIds, PrintWriter out) {
    try (BufferedReader in = Files.newBufferedReader(usersFile)) {
      List<Long> batch = new ArrayList<>(batchSize);
      String line;
      int lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        String id = line.strip();
        if (id.isEmpty() || id.startsWith("#")) {
          continue;
        }
        try {
          batch.add((long) userIds.parse(id));
        } catch (CbnsException e) {
          throw new CbnsException(usersFile + ":" + lineNo + ": " + e.getMessage(), e);
        }
        if (batch.size() == batchSize) {
          flush(recommender, batch, userIds, itemIds, out);
        }
      }
      flush(recommender, batch, userIds, itemIds, out);
    } catch (NoSuchFileException e) {
      throw new CbnsException(usersFile + ": not found");
    } catch (IOException e) {
      throw new CbnsException(usersFile + ": cannot read: " + e.getMessage(), e);
    }
  }

  private void flush(
      Recommender recommender, List<Long> batch, IdMap userIds, IdMap itemIds, PrintWriter out) {
    if (batch.isEmpty()) {
      return;
    }
    long[] ids = batch.stream().mapToLong(Long::longValue).toArray();
    print(recommender.recommend(ids, k), userIds, itemIds, out);
    batch.clear();
  }

  private static void print(
      List<Recommendation> recs, IdMap userIds, IdMap itemIds, PrintWriter out) {
    for (Recommendation r : recs) {
      out.println(RecommendationLines.formatLine(r, userIds, itemIds));
    }
  }
}
