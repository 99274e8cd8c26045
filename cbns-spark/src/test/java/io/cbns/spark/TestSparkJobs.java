package io.cbns.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.core.model.FixedEmbeddings;
import io.cbns.data.arrow.source.SyntheticSource;
import io.cbns.data.arrow.synthetic.SyntheticConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
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
    return new JavaSparkContext(
        new SparkConf()
            .setMaster("local[2]")
            .setAppName("cbns-test")
            .set("spark.ui.enabled", "false")
            .set("spark.driver.host", "127.0.0.1"));
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
    int items = 2501; // two full tiles and a partial one of odd width
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

    RankingMetrics expected;
    try (NDManager m = NDManager.newBaseManager()) {
      expected =
          new FullRankingEvaluator(ks, 64)
              .evaluate(m, new FixedEmbeddings(d, userRows, itemRows), exclude, relevant);
    }
    RankingMetrics actual;
    try (JavaSparkContext sc = local()) {
      actual = SparkEvaluation.evaluate(sc, d, userRows, itemRows, exclude, relevant, ks, 7);
    }
    assertThat(actual.users()).isEqualTo(expected.users()).isGreaterThan(200);
    for (int k : ks) {
      assertThat(actual.recallAt(k))
          .as("recall@%d", k)
          .isCloseTo(expected.recallAt(k), within(1e-6));
      assertThat(actual.ndcgAt(k)).as("ndcg@%d", k).isCloseTo(expected.ndcgAt(k), within(1e-6));
    }
    assertThat(expected.recallAt(100)).isGreaterThan(expected.recallAt(5));
  }

  @Test
  void topKBreaksTiesByTheLowerItemIdAndSkipsExcludedItems() {
    // one user, 5 items with scores 1, 3, 3, 2, 3; item 4 excluded
    float[] items = {1, 3, 3, 2, 3};
    CsrMatrix exclude = new CsrMatrix(1, 5, new int[] {0, 1}, new int[] {4});
    CsrMatrix relevant = new CsrMatrix(1, 5, new int[] {0, 1}, new int[] {2});
    var block = new SparkEvaluation.UserBlock(new float[] {1}, exclude, relevant);
    assertThat(SparkEvaluation.topK(block, items, 5, 1, 3)).containsExactly(1, 2, 3);
    assertThat(SparkEvaluation.topK(block, items, 5, 1, 5)).containsExactly(1, 2, 3, 0, -1);
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
