package io.cbns.spark;

import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.data.arrow.format.DatasetLayout;
import io.cbns.data.arrow.format.DatasetReader;
import io.cbns.serving.EmbeddingFiles;
import io.cbns.serving.ServedRun;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cbns-spark count|evaluate}: cbns jobs on Apache Spark, in local mode by default ({@code
 * --master local[*]}) or on a cluster through {@code spark-submit --class io.cbns.spark.SparkMain}.
 * See docs/SCALE.md.
 */
@Command(
    name = "cbns-spark",
    mixinStandardHelpOptions = true,
    subcommands = {SparkMain.Count.class, SparkMain.Evaluate.class},
    description = "cbns jobs on Apache Spark (docs/SCALE.md).")
public final class SparkMain implements Callable<Integer> {
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line; returns the exit code (1 for an error the user can fix). */
  static int run(String... args) {
    return new CommandLine(new SparkMain())
        .setExecutionExceptionHandler(
            (e, cmd, parsed) -> {
              if (e instanceof CbnsException || e instanceof IllegalArgumentException) {
                cmd.getErr().println("error: " + e.getMessage());
                return 1;
              }
              throw e;
            })
        .execute(args);
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** Options every job has. */
  static final class SparkOptions {
    @Option(
        names = "--master",
        paramLabel = "URL",
        description =
            "The Spark master (default: the one spark-submit set, else local[*], every core of"
                + " this machine).")
    String master;

    JavaSparkContext open(String job) {
      SparkConf conf = new SparkConf().setAppName("cbns " + job);
      if (master != null) {
        conf.setMaster(master);
      } else if (!conf.contains("spark.master")) {
        conf.setMaster("local[*]");
      }
      conf.setIfMissing("spark.ui.enabled", "false");
      return new JavaSparkContext(conf);
    }
  }

  /** {@code count DATASET_DIR}: item train counts on Spark. */
  @Command(
      name = "count",
      mixinStandardHelpOptions = true,
      description = {
        "Count the train interactions of every item of a dataset directory on Spark, and check"
            + " them against the dataset's own item_counts.arrow."
      })
  static final class Count implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "DATASET_DIR", description = "A dataset directory (cbns import).")
    Path dataset;

    @CommandLine.Mixin SparkOptions spark;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      requireDirectory(dataset, "DATASET_DIR");
      long[] counts;
      long start = System.nanoTime();
      try (JavaSparkContext sc = spark.open("count")) {
        counts = ItemCounts.count(sc, dataset);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long[] stored = DatasetReader.read(dataset).content().itemTrainCounts();
      boolean same = Arrays.equals(counts, stored);
      out.printf(
          Locale.ROOT,
          "%d items, %d train interactions counted on Spark in %.1fs; %s %s%n",
          counts.length,
          Arrays.stream(counts).sum(),
          seconds,
          same ? "equal to" : "DIFFERENT FROM",
          DatasetLayout.ITEM_COUNTS);
      return same ? 0 : 2;
    }
  }

  /** {@code evaluate RUN_DIR}: full-ranking evaluation of a run's embeddings on Spark. */
  @Command(
      name = "evaluate",
      mixinStandardHelpOptions = true,
      description = {
        "Full-ranking Recall@K and NDCG@K of a run's test split on Spark, from the embeddings"
            + " that cbns embed --users wrote (RUN_DIR/embeddings)."
      })
  static final class Evaluate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "RUN_DIR", description = "A run directory written by cbns train.")
    Path runDir;

    @Option(
        names = "--k",
        split = ",",
        paramLabel = "K",
        description = "Cut-offs (default: 20,50).")
    List<Integer> ks = List.of(20, 50);

    @Option(
        names = "--block-users",
        paramLabel = "N",
        description =
            "Users per Spark element (default: " + SparkEvaluation.DEFAULT_BLOCK_USERS + ").")
    int blockUsers = SparkEvaluation.DEFAULT_BLOCK_USERS;

    @CommandLine.Mixin SparkOptions spark;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      requireDirectory(runDir, "RUN_DIR");
      RunDirectory run = RunDirectory.of(runDir);
      Path items = run.itemEmbeddings();
      Path users = run.embeddingsDir().resolve(RunDirectory.USER_EMBEDDINGS_FILE);
      for (Path f : List.of(items, users)) {
        if (!Files.isRegularFile(f)) {
          throw new CbnsException(
              "no " + f + "; write the embeddings first: cbns embed --users " + runDir);
        }
      }
      EmbeddingFiles.Table itemTable = EmbeddingFiles.read(items);
      EmbeddingFiles.Table userTable = EmbeddingFiles.read(users);
      try (ServedRun served = ServedRun.open(runDir)) {
        InteractionDataset dataset = served.dataset();
        float[] itemRows = byId(itemTable, dataset.info().numItems(), items);
        float[] userRows = byId(userTable, dataset.info().numUsers(), users);
        long start = System.nanoTime();
        RankingMetrics m;
        try (JavaSparkContext sc = spark.open("evaluate")) {
          m =
              SparkEvaluation.evaluate(
                  sc,
                  itemTable.dimension(),
                  userRows,
                  itemRows,
                  dataset.trainByUser(),
                  dataset.testByUser(),
                  ks,
                  blockUsers);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        for (int k : ks.stream().distinct().sorted().toList()) {
          out.printf(
              Locale.ROOT, "Recall@%d %.4f  NDCG@%d %.4f%n", k, m.recallAt(k), k, m.ndcgAt(k));
        }
        out.printf(Locale.ROOT, "%d test users ranked on Spark in %.1fs%n", m.users(), seconds);
      }
      return 0;
    }
  }

  /** The rows of {@code table} in id order, checking that every id 0..n-1 is there once. */
  static float[] byId(EmbeddingFiles.Table table, int n, Path file) {
    if (table.ids().length != n) {
      throw new CbnsException(
          file
              + " has "
              + table.ids().length
              + " rows, the run's dataset "
              + n
              + "; re-run cbns embed");
    }
    int d = table.dimension();
    float[] out = new float[n * d];
    boolean[] seen = new boolean[n];
    for (int r = 0; r < n; r++) {
      int id = table.ids()[r];
      if (id < 0 || id >= n || seen[id]) {
        throw new CbnsException(file + ": id " + id + " out of range or repeated");
      }
      seen[id] = true;
      System.arraycopy(table.values(), r * d, out, id * d, d);
    }
    return out;
  }

  private static void requireDirectory(Path dir, String what) {
    if (!Files.isDirectory(dir)) {
      throw new CbnsException(what + " " + dir + " is not a directory");
    }
  }
}
