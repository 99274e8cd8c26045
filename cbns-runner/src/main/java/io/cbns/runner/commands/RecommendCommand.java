package io.cbns.runner.commands;

import io.cbns.core.CbnsException;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.models.onnx.OnnxExporter;
import io.cbns.runner.serving.IdMap;
import io.cbns.runner.serving.OnnxRecommender;
import io.cbns.runner.serving.OnnxRecommender.Recommendation;
import io.cbns.runner.serving.RecommendBenchmark;
import io.cbns.runner.serving.TrainedRun;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cbns recommend RUN_DIR --user ID | --users-file FILE}: top-k items per user with the
 * exported towers in ONNX Runtime.
 */
@Command(
    name = "recommend",
    mixinStandardHelpOptions = true,
    description = {
      "Recommend the top k items to users with the run's ONNX towers (exported to RUN_DIR/onnx"
          + " first if missing), never a user's train items.",
      "Output: one line per user, USER<TAB>ITEM:SCORE,ITEM:SCORE,... best first (see"
          + " docs/serving.md)."
    })
public final class RecommendCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RecommendCommand.class);

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

  @Option(
      names = "--onnx",
      paramLabel = "DIR",
      description =
          "Folder with user_tower.onnx and item_tower.onnx (default: RUN_DIR/onnx, exported"
              + " there when missing).")
  Path onnxDir;

  @Option(
      names = "--provider",
      paramLabel = "NAME",
      defaultValue = "auto",
      description =
          "ONNX Runtime execution provider: auto (CUDA when available, else CPU), cpu, cuda"
              + " (default: ${DEFAULT-VALUE}).")
  String provider;

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
    OnnxRecommender.Provider p = provider();
    PrintWriter out = spec.commandLine().getOut();
    try (TrainedRun run = TrainedRun.open(plugins, runDir);
        OnnxRecommender recommender = open(run, p)) {
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

  private OnnxRecommender.Provider provider() {
    return switch (provider) {
      case "auto" -> OnnxRecommender.Provider.AUTO;
      case "cpu" -> OnnxRecommender.Provider.CPU;
      case "cuda" -> OnnxRecommender.Provider.CUDA;
      default ->
          throw new ParameterException(
              spec.commandLine(), "--provider: unknown '" + provider + "'; valid: auto, cpu, cuda");
    };
  }

  private OnnxRecommender open(TrainedRun run, OnnxRecommender.Provider p) {
    Path dir = onnxDir != null ? onnxDir : run.onnxDir();
    Path user = dir.resolve(OnnxExporter.USER_TOWER_FILE);
    Path item = dir.resolve(OnnxExporter.ITEM_TOWER_FILE);
    if (onnxDir == null && !(Files.isRegularFile(user) && Files.isRegularFile(item))) {
      LOG.info("no ONNX towers in {} yet: exporting them", dir);
      run.exportOnnx(dir);
    }
    return OnnxRecommender.builder()
        .setUserTower(user)
        .setItemTower(item)
        .setTrainByUser(run.dataset().trainByUser())
        .optItemFeatures(run.dataset().itemFeatures().orElse(null))
        .optUserFeatures(run.dataset().userFeatures().orElse(null))
        .optDimension(run.config().model().dimension())
        .optDatasetFingerprint(run.dataset().info().fingerprint())
        .optProvider(p)
        .build();
  }

  private void recommendFile(
      OnnxRecommender recommender, IdMap userIds, IdMap itemIds, PrintWriter out) {
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
      OnnxRecommender recommender,
      List<Long> batch,
      IdMap userIds,
      IdMap itemIds,
      PrintWriter out) {
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
      out.println(OnnxRecommender.formatLine(r, userIds, itemIds));
    }
  }
}
