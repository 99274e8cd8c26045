package io.cbns.spark;

import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.core.model.OnnxContract;
import io.cbns.data.arrow.format.DatasetLayout;
import io.cbns.data.arrow.format.DatasetReader;
import io.cbns.data.arrow.importer.IdMapping;
import io.cbns.data.arrow.importer.SplitMethod;
import io.cbns.serving.IdMap;
import io.cbns.serving.ServedRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cbns-spark import|count|evaluate|recommend|embed}: cbns jobs on Apache Spark, in local
 * mode by default ({@code --master local[*]}) or on a cluster through {@code spark-submit --class
 * io.cbns.spark.SparkMain}. See docs/SCALE.md.
 */
@Command(
    name = "cbns-spark",
    mixinStandardHelpOptions = true,
    subcommands = {
      SparkMain.Import.class,
      SparkMain.Count.class,
      SparkMain.Evaluate.class,
      SparkMain.Recommend.class,
      SparkMain.Embed.class
    },
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
      return new JavaSparkContext(conf(job));
    }

    /** A session for the jobs that write DataFrames; closing it stops it. */
    SparkSession session(String job) {
      return SparkSession.builder().config(conf(job)).getOrCreate();
    }

    private SparkConf conf(String job) {
      SparkConf conf = new SparkConf().setAppName("cbns " + job);
      if (master != null) {
        conf.setMaster(master);
      } else if (!conf.contains("spark.master")) {
        conf.setMaster("local[*]");
      }
      conf.setIfMissing("spark.ui.enabled", "false");
      String local = conf.get("spark.master");
      if (local.startsWith("local")) {
        // Spark's 200 shuffle partitions are sized for a cluster: in local mode each is a task
        // of its own, and on 2 cores they made the Gowalla import 3x slower than 4 per core
        conf.setIfMissing("spark.sql.shuffle.partitions", String.valueOf(4 * localCores(local)));
      }
      return conf;
    }

    /** The threads of a local master: {@code local}, {@code local[N]}, {@code local[*]}. */
    static int localCores(String master) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("local(?:\\[(\\d+|\\*)(?:,\\d+)?])?").matcher(master);
      if (!m.matches() || m.group(1) == null) {
        return 1;
      }
      return m.group(1).equals("*")
          ? Runtime.getRuntime().availableProcessors()
          : Integer.parseInt(m.group(1));
    }
  }

  /** The {@code RUN_DIR} argument of the jobs that read a trained run. */
  static final class RunArgument {
    @Parameters(paramLabel = "RUN_DIR", description = "A run directory written by cbns train.")
    Path dir;

    /** The run directory, checked to be one. */
    Path directory() {
      return requireDirectory(dir, "RUN_DIR");
    }
  }

  /** {@code --block-users}: users per Spark element of the jobs that rank items for users. */
  static final class UserBlocks {
    @Option(
        names = "--block-users",
        paramLabel = "N",
        description =
            "Users per Spark element (default: " + SparkEvaluation.DEFAULT_BLOCK_USERS + ").")
    int size = SparkEvaluation.DEFAULT_BLOCK_USERS;
  }

  /** {@code import INPUT OUTPUT}: a partitioned interaction log into a sharded dataset. */
  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = {
        "Import a CSV or Parquet interaction log (a file or a directory of part files), or a"
            + " LightGCN directory (train.txt, test.txt), into a cbns dataset directory on Spark,"
            + " each split written as shards; the same content and fingerprint as cbns import of"
            + " the concatenated files, or cbns import lightgcn (docs/SCALE.md)."
      })
  static final class Import implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(
        index = "0",
        paramLabel = "INPUT",
        description = "A file or directory of parts; for lightgcn, the directory of its files.")
    Path input;

    @Parameters(index = "1", paramLabel = "OUTPUT", description = "The dataset directory.")
    Path output;

    @Option(
        names = "--test-input",
        paramLabel = "PATH",
        description =
            "A pre-split test log (a file or a directory of parts): INPUT is then the train log,"
                + " and no split is drawn.")
    Path testInput;

    @Option(
        names = "--format",
        description =
            "csv, parquet, or lightgcn ('user item item ...' lines, pre-split; default: csv).")
    String format = "csv";

    @Option(names = "--separator", description = "CSV field separator (default: ,).")
    String separator = ",";

    @Option(names = "--header", description = "CSV files start with a header line.")
    boolean header;

    @Option(
        names = "--user-column",
        description = "User id column: a name or a 0-based position (default: 0).")
    String userColumn = "0";

    @Option(
        names = "--item-column",
        description = "Item id column: a name or a 0-based position (default: 1).")
    String itemColumn = "1";

    @Option(
        names = "--timestamp-column",
        description =
            "Integer time column (keeps a pair's earliest row; needed by leave-last-out).")
    String timestampColumn;

    @Option(
        names = "--rating-column",
        description = "Rating column, for --rating-threshold: a name or a 0-based position.")
    String ratingColumn;

    @Option(
        names = "--rating-threshold",
        description = "Rows whose rating is below it are dropped first (default: keep all).")
    double ratingThreshold = -Double.MAX_VALUE;

    @Option(
        names = "--weight-column",
        description =
            "Weight column (a number, stored as weight float32): a name or a 0-based position.")
    String weightColumn;

    @Option(
        names = "--id-mapping",
        description =
            "dense (ids numbered in sorted order, id maps stored) or identity (non-negative int"
                + " ids used as given; default: dense).")
    String idMapping = IdMapping.DENSE.optionValue();

    @Option(
        names = "--split",
        description = "hash-ratio, latest-ratio or leave-last-out (default: hash-ratio).")
    String split = SplitMethod.HASH_RATIO.optionValue();

    @Option(names = "--test-ratio", description = "Held-out fraction (default: 0.2).")
    double testRatio = 0.2;

    @Option(
        names = "--validation-ratio",
        description = "Validation fraction carved from train (default: 0, none).")
    double validationRatio;

    @Option(
        names = "--validation-split",
        description =
            "With --test-input or --format lightgcn and --validation-ratio: how validation is"
                + " carved from train, hash-ratio, latest-ratio or leave-last-out (give cbns import"
                + " the same"
                + " validation-split).")
    String validationSplit;

    @Option(names = "--seed", description = "Seed of the random splits (default: 42).")
    long seed = 42;

    @Option(
        names = "--unseen-test",
        description =
            "drop or keep held-out rows whose user or item is not in train (default: drop).")
    String unseenTest = "drop";

    @Option(names = "--name", description = "Dataset name (default: the input's file name).")
    String name;

    @Option(
        names = "--partitions",
        description = "Spark partitions of the split step and shards per split (default: 8).")
    int partitions = 8;

    @Option(names = "--overwrite", description = "Replace OUTPUT if it exists.")
    boolean overwrite;

    @CommandLine.Mixin SparkOptions spark;

    @Override
    public Integer call() throws IOException {
      if (!unseenTest.equals("drop") && !unseenTest.equals("keep")) {
        throw new CbnsException("--unseen-test must be drop or keep, got " + unseenTest);
      }
      var parsed = spec.commandLine().getParseResult();
      if (testInput != null
          && (parsed.hasMatchedOption("--split") || parsed.hasMatchedOption("--test-ratio"))) {
        throw new CbnsException(
            "--split and --test-ratio draw a test split from one input; with --test-input the"
                + " test split is given: leave them out");
      }
      if (!IdMapping.optionValues().contains(idMapping)) {
        throw new CbnsException(
            "--id-mapping must be one of " + IdMapping.optionValues() + ", got " + idMapping);
      }
      if (format.equals(SparkImport.LIGHTGCN) && parsed.hasMatchedOption("--id-mapping")) {
        throw new CbnsException(
            "--id-mapping is for csv and parquet; a LightGCN directory's ids are used as given");
      }
      SplitMethod method;
      try {
        method = SplitMethod.fromOption(split);
      } catch (IllegalArgumentException e) {
        throw new CbnsException(
            "--split must be one of " + SplitMethod.optionValues() + ", got " + split);
      }
      SplitMethod validationMethod = null;
      if (validationSplit != null) {
        try {
          validationMethod = SplitMethod.fromOption(validationSplit);
        } catch (IllegalArgumentException e) {
          throw new CbnsException(
              "--validation-split must be one of "
                  + SplitMethod.optionValues()
                  + ", got "
                  + validationSplit);
        }
      }
      // the dataset's default name, as cbns import gives it: the file's name without its
      // extension, or with pre-split inputs the train input's directory
      Path named = testInput != null ? input.toAbsolutePath().getParent() : input;
      String stem = named.getFileName().toString().replaceFirst("\\.[^.]*$", "");
      SparkImport.Options o =
          new SparkImport.Options(
              input,
              format,
              separator,
              header,
              userColumn,
              itemColumn,
              timestampColumn,
              ratingColumn,
              ratingThreshold,
              method,
              testRatio,
              validationRatio,
              seed,
              unseenTest.equals("drop"),
              name != null ? name : stem,
              partitions,
              testInput,
              weightColumn,
              IdMapping.fromOption(idMapping),
              validationMethod);
      SparkImport.Summary s;
      try (SparkSession session = spark.session("import")) {
        s = SparkImport.run(session, o, output, overwrite);
      }
      var m = s.manifest();
      spec.commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "imported %s on Spark in %.1fs: %d users, %d items; train %d (%d shards),"
                  + " validation %d, test %d; stats %s; fingerprint %s%n",
              output,
              s.seconds(),
              m.numUsers(),
              m.numItems(),
              m.train().rows(),
              m.train().files().size(),
              m.validation() == null ? 0 : m.validation().rows(),
              m.test().rows(),
              m.build().stats(),
              m.fingerprint());
      return 0;
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

    @CommandLine.Mixin RunArgument run;

    @Option(
        names = "--k",
        split = ",",
        paramLabel = "K",
        description = "Cut-offs (default: 20,50).")
    List<Integer> ks = List.of(20, 50);

    @CommandLine.Mixin UserBlocks blocks;

    @Option(
        names = "--block-items",
        paramLabel = "N",
        description =
            "Items per block when the item table is too large to broadcast to every executor"
                + " (default: 0, broadcast the whole table).")
    int blockItems;

    @CommandLine.Mixin SparkOptions spark;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      Path runDir = run.directory();
      try (ServedRun served = ServedRun.open(runDir)) {
        InteractionDataset dataset = served.dataset();
        RunEmbeddings emb = RunEmbeddings.read(runDir, dataset);
        long start = System.nanoTime();
        RankingMetrics m;
        double rankSeconds;
        try (JavaSparkContext sc = spark.open("evaluate")) {
          long ranking = System.nanoTime();
          m =
              SparkEvaluation.evaluate(
                  sc,
                  emb.dimension(),
                  emb.users(),
                  emb.items(),
                  dataset.testExclusion(),
                  dataset.testByUser(),
                  ks,
                  blocks.size,
                  blockItems);
          rankSeconds = (System.nanoTime() - ranking) / 1e9;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        for (int k : ks.stream().distinct().sorted().toList()) {
          out.printf(
              Locale.ROOT, "Recall@%d %.4f  NDCG@%d %.4f%n", k, m.recallAt(k), k, m.ndcgAt(k));
        }
        out.printf(
            Locale.ROOT,
            "%d test users ranked on Spark in %.1fs (%.1fs with Spark's start and stop)%n",
            m.users(),
            rankSeconds,
            seconds);
      }
      return 0;
    }
  }

  /** {@code recommend RUN_DIR --out DIR}: every user's top K items on Spark, as Parquet. */
  @Command(
      name = "recommend",
      mixinStandardHelpOptions = true,
      description = {
        "The top K items of every user of a run's dataset on Spark (train items excluded), from"
            + " the embeddings that cbns embed --users wrote, as a Parquet directory with the"
            + " columns user, rank, item, score (docs/SCALE.md)."
      })
  static final class Recommend implements Callable<Integer> {
    @Spec CommandSpec spec;

    @CommandLine.Mixin RunArgument run;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "The Parquet directory to write; must not exist.")
    Path out;

    @Option(
        names = {"-k", "--k"},
        paramLabel = "K",
        description = "Items per user (default: 20).")
    int k = 20;

    @CommandLine.Mixin UserBlocks blocks;

    @CommandLine.Mixin SparkOptions spark;

    @Override
    public Integer call() throws IOException {
      PrintWriter printer = spec.commandLine().getOut();
      if (k < 1 || blocks.size < 1) {
        throw new CbnsException("--k and --block-users must be at least 1");
      }
      if (Files.exists(out)) {
        throw new CbnsException(out + " exists; remove it or choose another --out");
      }
      Path runDir = run.directory();
      try (ServedRun served = ServedRun.open(runDir)) {
        InteractionDataset dataset = served.dataset();
        RunEmbeddings emb = RunEmbeddings.read(runDir, dataset);
        long start = System.nanoTime();
        long rows;
        try (SparkSession session = spark.session("recommend")) {
          rows =
              SparkRecommendations.recommend(
                  session,
                  emb.dimension(),
                  emb.users(),
                  emb.items(),
                  dataset.trainByUser(),
                  k,
                  blocks.size,
                  printed(served.userIds()),
                  printed(served.itemIds()),
                  out);
        }
        printer.printf(
            Locale.ROOT,
            "%d recommendations for %d users written to %s in %.1fs%n",
            rows,
            dataset.info().numUsers(),
            out,
            (System.nanoTime() - start) / 1e9);
      }
      return 0;
    }

    /** The printed ids, or null when they are the dense ids themselves. */
    private static String[] printed(IdMap ids) {
      if (!ids.hasOriginalIds()) {
        return null;
      }
      String[] out = new String[ids.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = ids.format(i);
      }
      return out;
    }
  }

  /** {@code embed RUN_DIR --out DIR}: every item's (and user's) embedding on Spark, as Parquet. */
  @Command(
      name = "embed",
      mixinStandardHelpOptions = true,
      description = {
        "Every item's embedding (and every user's with --users) through the run's exported ONNX"
            + " towers, computed by ONNX Runtime in the Spark executors, written as Parquet:"
            + " DIR/items (item_id, embedding) and DIR/users (user_id, embedding)"
            + " (docs/SCALE.md)."
      })
  static final class Embed implements Callable<Integer> {
    @Spec CommandSpec spec;

    @CommandLine.Mixin RunArgument run;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "The output directory; must not exist.")
    Path out;

    @Option(
        names = "--onnx",
        paramLabel = "DIR",
        description = "The exported towers (default: RUN_DIR/onnx, from cbns export-onnx).")
    Path onnx;

    @Option(names = "--users", description = "Also the users.")
    boolean users;

    @Option(
        names = "--chunk",
        paramLabel = "N",
        description = "Ids per ONNX Runtime call (default: " + SparkEmbeddings.DEFAULT_CHUNK + ").")
    int chunk = SparkEmbeddings.DEFAULT_CHUNK;

    @CommandLine.Mixin SparkOptions spark;

    @Override
    public Integer call() throws IOException {
      PrintWriter printer = spec.commandLine().getOut();
      Path runDir = run.directory();
      Path towers = onnx != null ? onnx : RunDirectory.of(runDir).onnxDir();
      if (!Files.isRegularFile(towers.resolve(OnnxContract.USER_TOWER_FILE))
          || !Files.isRegularFile(towers.resolve(OnnxContract.ITEM_TOWER_FILE))) {
        throw new CbnsException(
            "no exported towers in "
                + towers
                + "; export them first: cbns export-onnx "
                + runDir
                + (onnx != null ? " --out " + onnx : ""));
      }
      if (chunk < 1) {
        throw new CbnsException("--chunk must be at least 1, got " + chunk);
      }
      long start = System.nanoTime();
      SparkEmbeddings.Written written;
      try (SparkSession session = spark.session("embed")) {
        written = SparkEmbeddings.embed(session, runDir, towers, users, chunk, out);
      }
      printer.printf(
          Locale.ROOT,
          "%d item%s embeddings written to %s in %.1fs%n",
          written.items(),
          users ? " and " + written.users() + " user" : "",
          out,
          (System.nanoTime() - start) / 1e9);
      return 0;
    }
  }

  private static Path requireDirectory(Path dir, String what) {
    if (!Files.isDirectory(dir)) {
      throw new CbnsException(what + " " + dir + " is not a directory");
    }
    return dir;
  }
}
