package io.cbns.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import io.cbns.core.CbnsException;
import io.cbns.core.config.Options;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.core.model.FixedEmbeddings;
import io.cbns.data.arrow.importer.DatasetImporter;
import io.cbns.data.arrow.source.ImportedSource;
import io.cbns.data.arrow.source.SyntheticSource;
import io.cbns.data.arrow.synthetic.SyntheticConfig;
import io.cbns.models.onnx.OnnxExporter;
import io.cbns.serving.index.ExactIndex;
import io.cbns.serving.index.Exclusion;
import io.cbns.serving.index.ItemEmbeddings;
import io.cbns.serving.index.ScoredItems;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The Spark jobs against their single-machine counterparts, in Spark's local mode with 2 threads.
 * Spark allows one context per JVM at a time: each test opens its own and closes it.
 */
final class TestSparkJobs {
  @TempDir Path tmp;

  private static JavaSparkContext local() {
    return SparkTesting.context();
  }

  private static SparkSession localSession() {
    return SparkTesting.session();
  }

  @Test
  void itemCountsEqualTheDatasetsOwn() throws Exception {
    // more than one record batch of 2^18 rows, so that several tasks count
    try (InteractionDataset dataset =
        SyntheticSource.open(
            tmp,
            SyntheticConfig.builder()
                .optUsers(3000)
                .optItems(1500)
                .optInteractionsPerUser(150)
                .build())) {
      Path dir = Path.of(dataset.info().location());
      try (var allocator = new RootAllocator();
          var channel = Files.newByteChannel(dir.resolve("train.arrow"));
          var reader = new ArrowFileReader(channel, allocator)) {
        assertThat(reader.getRecordBlocks()).hasSizeGreaterThan(1);
      }
      long[] counts;
      try (JavaSparkContext sc = local()) {
        counts = ItemCounts.count(sc, dir);
      }
      assertThat(counts).containsExactly(dataset.itemTrainCounts());

      // the same through the command line, which checks against item_counts.arrow
      StringWriter out = new StringWriter();
      int code =
          new CommandLine(new SparkMain())
              .setOut(new PrintWriter(out))
              .execute("count", dir.toString(), "--master", "local[2]");
      assertThat(code).as(out.toString()).isZero();
      assertThat(out.toString()).contains("1500 items").contains("equal to item_counts.arrow");
    }
  }

  @Test
  void evaluationEqualsTheSingleMachineEvaluator() {
    SplittableRandom random = new SplittableRandom(11);
    int users = 300;
    int items = 2501;
    int d = 16;
    float[] userRows = gaussian(random, users * d);
    float[] itemRows = gaussian(random, items * d);
    List<int[]> train = new ArrayList<>();
    List<int[]> test = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      // user 0 has seen all but 3 items: fewer than k are left to rank
      int seen = u == 0 ? items - 3 : random.nextInt(60);
      for (int i = 0; i < seen; i++) {
        train.add(new int[] {u, u == 0 ? i : random.nextInt(items)});
      }
      if (u % 10 != 9) { // some users have nothing to find
        int held = 1 + random.nextInt(8);
        for (int i = 0; i < held; i++) {
          test.add(new int[] {u, u == 0 ? items - 1 - i % 3 : random.nextInt(items)});
        }
      }
    }
    CsrMatrix exclude = csr(users, items, train);
    CsrMatrix relevant = csr(users, items, test).minus(exclude);
    List<Integer> ks = List.of(1, 5, 20, 100);

    RankingMetrics expected = singleMachine(ks, d, userRows, itemRows, exclude, relevant);
    RankingMetrics broadcast;
    RankingMetrics blocked;
    try (JavaSparkContext sc = local()) {
      // blocks of 100 users: full scoring chunks (SparkEvaluation.SCORE_ROWS) and a partial one
      broadcast =
          SparkEvaluation.evaluate(sc, d, userRows, itemRows, exclude, relevant, ks, 100, 0);
      // items in blocks of 700 (the last one partial, and each smaller than k = 100 in part)
      blocked =
          SparkEvaluation.evaluate(sc, d, userRows, itemRows, exclude, relevant, ks, 100, 700);
    }
    for (RankingMetrics actual : List.of(broadcast, blocked)) {
      assertThat(actual.users()).isGreaterThan(200);
      assertSameMetrics(actual, expected, ks);
    }
    assertThat(expected.recallAt(100)).isGreaterThan(expected.recallAt(5));
  }

  /**
   * The Spark evaluation against the single machine's on the real Gowalla split, with random towers
   * (the ranking, exclusion and metrics are what is compared, not a model): the first 2,000 users
   * by default, every user with {@code -Dcbns.gowalla.full=true}. Skipped where the reference data
   * ({@code ../shared/data/gowalla}, or {@code -Dcbns.gowalla=DIR}) is absent.
   */
  @Test
  void evaluationEqualsTheSingleMachineEvaluatorOnGowalla() {
    Path gowalla = Path.of(System.getProperty("cbns.gowalla", "../../shared/data/gowalla"));
    assumeTrue(Files.isRegularFile(gowalla.resolve("train.txt")), "no Gowalla split at " + gowalla);
    boolean full = Boolean.getBoolean("cbns.gowalla.full");
    try (InteractionDataset dataset =
        ImportedSource.open(
            tmp.resolve("cache"),
            DatasetImporter.spec(
                "lightgcn", Options.of("data", Map.of("path", gowalla.toString()))))) {
      int d = 16;
      SplittableRandom random = new SplittableRandom(21);
      float[] userRows = gaussian(random, dataset.info().numUsers() * d);
      float[] itemRows = gaussian(random, dataset.info().numItems() * d);
      CsrMatrix exclude = dataset.testExclusion();
      CsrMatrix relevant = full ? dataset.testByUser() : firstRows(dataset.testByUser(), 2000);
      List<Integer> ks = List.of(20, 50);
      RankingMetrics expected = singleMachine(ks, d, userRows, itemRows, exclude, relevant);
      RankingMetrics actual;
      try (JavaSparkContext sc = local()) {
        actual =
            SparkEvaluation.evaluate(
                sc,
                d,
                userRows,
                itemRows,
                exclude,
                relevant,
                ks,
                SparkEvaluation.DEFAULT_BLOCK_USERS,
                0);
      }
      assertThat(actual.users()).isGreaterThan(1500);
      assertSameMetrics(actual, expected, ks);
    }
  }

  /** The single machine's evaluation of fixed tables. */
  private static RankingMetrics singleMachine(
      List<Integer> ks,
      int d,
      float[] userRows,
      float[] itemRows,
      CsrMatrix exclude,
      CsrMatrix relevant) {
    try (NDManager m = NDManager.newBaseManager()) {
      return new FullRankingEvaluator(ks, 256)
          .evaluate(m, new FixedEmbeddings(d, userRows, itemRows), exclude, relevant);
    }
  }

  /** The same users, and every metric within 1e-6. */
  private static void assertSameMetrics(
      RankingMetrics actual, RankingMetrics expected, List<Integer> ks) {
    assertThat(actual.users()).isEqualTo(expected.users());
    for (int k : ks) {
      assertThat(actual.recallAt(k))
          .as("recall@%d", k)
          .isCloseTo(expected.recallAt(k), within(1e-6));
      assertThat(actual.ndcgAt(k)).as("ndcg@%d", k).isCloseTo(expected.ndcgAt(k), within(1e-6));
    }
  }

  /** {@code m} with every row from {@code n} on emptied. */
  private static CsrMatrix firstRows(CsrMatrix m, int n) {
    int[] offsets = m.rowOffsets().clone();
    int end = offsets[Math.min(n, m.numRows())];
    for (int r = n + 1; r < offsets.length; r++) {
      offsets[r] = end;
    }
    return new CsrMatrix(
        m.numRows(), m.numColumns(), offsets, java.util.Arrays.copyOf(m.columns(), end));
  }

  @Test
  void mergedPartialListsKeepTheBestAndBreakTiesByTheLowerId() {
    // two users, k = 3; user 1's lists are short
    var a =
        new SparkEvaluation.TopItems(
            new long[] {4, 2, 9, 7, -1, -1}, new float[] {5, 3, 1, 2, Float.NEGATIVE_INFINITY, 0});
    var b =
        new SparkEvaluation.TopItems(
            new long[] {1, 11, 12, -1, -1, -1}, new float[] {3, 2, 0, 0, 0, 0});
    var m = ItemBlocks.merge(a, b, 2, 3);
    assertThat(m.items()).containsExactly(4, 1, 2, 7, -1, -1);
    assertThat(m.scores()).startsWith(5, 3, 3, 2);
  }

  @Test
  void topKBreaksTiesByTheLowerItemIdAndSkipsExcludedItems() {
    // one user, 5 items with scores 1, 3, 3, 2, 3; item 4 excluded
    float[] items = {1, 3, 3, 2, 3};
    CsrMatrix exclude = new CsrMatrix(1, 5, new int[] {0, 1}, new int[] {4});
    CsrMatrix relevant = new CsrMatrix(1, 5, new int[] {0, 1}, new int[] {2});
    var block = new SparkEvaluation.UserBlock(new int[] {0}, new float[] {1}, exclude, relevant);
    try (ItemScorer scorer = new ItemScorer(items, 5, 1, 4)) {
      assertThat(SparkEvaluation.topK(block, scorer, 3).items()).containsExactly(1, 2, 3);
      assertThat(SparkEvaluation.topK(block, scorer, 5).items()).containsExactly(1, 2, 3, 0, -1);
    }
  }

  @Test
  void recommendationsEqualTheServingModulesExactSearch() throws Exception {
    SplittableRandom random = new SplittableRandom(5);
    int users = 150;
    int items = 700;
    int d = 8;
    int k = 10;
    float[] userRows = gaussian(random, users * d);
    float[] itemRows = gaussian(random, items * d);
    List<int[]> train = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      // user 0 has seen all but 3 items: only 3 rows for it
      int seen = u == 0 ? items - 3 : random.nextInt(40);
      for (int i = 0; i < seen; i++) {
        train.add(new int[] {u, u == 0 ? i : random.nextInt(items)});
      }
    }
    CsrMatrix exclude = csr(users, items, train);
    String[] userIds = new String[users];
    String[] itemIds = new String[items];
    java.util.Arrays.setAll(userIds, u -> "u" + u);
    java.util.Arrays.setAll(itemIds, i -> "item-" + i);
    Path out = tmp.resolve("recommendations");

    List<Row> rows;
    try (SparkSession spark = localSession()) {
      long written =
          SparkRecommendations.recommend(
              spark, d, userRows, itemRows, exclude, k, 64, userIds, itemIds, out);
      rows = spark.read().parquet(out.toString()).collectAsList();
      assertThat(written).isEqualTo(rows.size()).isEqualTo((users - 1) * k + 3);
      // a second run never overwrites
      assertThatThrownBy(
              () ->
                  SparkRecommendations.recommend(
                      spark, d, userRows, itemRows, exclude, k, 64, userIds, itemIds, out))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("exists");
    }
    // nothing but the output is left next to it (the temporary directory was renamed)
    assertThat(tmp.toFile().list()).containsExactly("recommendations");

    ScoredItems[] expected =
        new ExactIndex(new ItemEmbeddings(items, d, itemRows))
            .search(
                userRows,
                k,
                java.util.stream.IntStream.range(0, users)
                    .mapToObj(u -> Exclusion.ofRow(exclude, u))
                    .toArray(Exclusion[]::new),
                false);
    Map<String, List<Row>> byUser = new HashMap<>();
    for (Row r : rows) {
      byUser.computeIfAbsent(r.getString(0), u -> new ArrayList<>()).add(r);
    }
    for (int u = 0; u < users; u++) {
      List<Row> got = byUser.get("u" + u);
      got.sort(java.util.Comparator.comparingInt(r -> r.getInt(1)));
      assertThat(got).hasSize(expected[u].size());
      for (int r = 0; r < got.size(); r++) {
        assertThat(got.get(r).getInt(1)).isEqualTo(r + 1);
        assertThat(got.get(r).getString(2)).isEqualTo("item-" + expected[u].items()[r]);
        assertThat(got.get(r).getFloat(3)).isCloseTo(expected[u].scores()[r], within(1e-5f));
      }
    }
  }

  @Test
  void embeddingsAreTheExportedTowersOutputs() throws Exception {
    try (InteractionDataset dataset =
        SyntheticSource.open(
            tmp.resolve("embed-data"),
            SyntheticConfig.builder()
                .optUsers(700)
                .optItems(500)
                .optInteractionsPerUser(10)
                .build())) {
      int d = 8;
      SplittableRandom random = new SplittableRandom(3);
      float[] userRows = gaussian(random, dataset.info().numUsers() * d);
      float[] itemRows = gaussian(random, dataset.info().numItems() * d);
      String fingerprint = dataset.info().fingerprint();
      // a run directory that names the dataset, with towers exported from fixed tables
      Path run = Files.createDirectories(tmp.resolve("embed-run"));
      Files.writeString(
          run.resolve("run.json"),
          "{\"dataset\": {\"location\": \""
              + dataset.info().location()
              + "\", \"fingerprint\": \""
              + fingerprint
              + "\"}}");
      OnnxExporter.builder()
          .optDatasetFingerprint(fingerprint)
          .build()
          .export(new FixedEmbeddings(d, userRows, itemRows), run.resolve("onnx"));

      Path out = tmp.resolve("embeddings");
      StringWriter printed = new StringWriter();
      int code =
          new CommandLine(new SparkMain())
              .setOut(new PrintWriter(printed))
              .execute(
                  "embed",
                  run.toString(),
                  "--out",
                  out.toString(),
                  "--users",
                  "--chunk",
                  "300",
                  "--master",
                  "local[2]");
      assertThat(code).as(printed.toString()).isZero();
      assertThat(printed.toString()).contains("500 item and 700 user embeddings written");
      try (SparkSession spark = localSession()) {
        assertThat(vectors(spark, out.resolve("items"), d)).containsExactly(itemRows);
        assertThat(vectors(spark, out.resolve("users"), d)).containsExactly(userRows);
      }
      // never over an existing output; towers that are missing are named with the fix
      assertThat(
              SparkMain.run(
                  "embed", run.toString(), "--out", out.toString(), "--master", "local[2]"))
          .isEqualTo(1);
      assertThat(
              SparkMain.run(
                  "embed",
                  run.toString(),
                  "--out",
                  tmp.resolve("other").toString(),
                  "--onnx",
                  tmp.resolve("nothing").toString()))
          .isEqualTo(1);
    }
  }

  /** The embedding column of a Parquet directory, in id order, row-major. */
  private static float[] vectors(SparkSession spark, Path dir, int d) {
    List<Row> rows = spark.read().parquet(dir.toString()).collectAsList();
    float[] out = new float[rows.size() * d];
    assertThat(rows.stream().mapToInt(r -> r.getInt(0)).distinct().count()).isEqualTo(rows.size());
    for (Row r : rows) {
      List<Float> v = r.getList(1);
      for (int c = 0; c < d; c++) {
        out[r.getInt(0) * d + c] = v.get(c);
      }
    }
    return out;
  }

  private static float[] gaussian(SplittableRandom random, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return out;
  }

  private static CsrMatrix csr(int rows, int cols, List<int[]> pairs) {
    int[] r = pairs.stream().mapToInt(p -> p[0]).toArray();
    int[] c = pairs.stream().mapToInt(p -> p[1]).toArray();
    return CsrMatrix.fromPairs(rows, cols, r, c);
  }
}
