package io.cbns.spark;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.CsrMatrix;
import io.cbns.core.eval.RankingAccumulator;
import io.cbns.core.eval.RankingMetrics;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Full-ranking Recall@K and NDCG@K on Spark, the protocol of {@code FullRankingEvaluator}: every
 * user with held-out items scores every item by dot product, the user's train items are excluded,
 * the top K are compared with the held-out items, and the per-user metrics are averaged.
 *
 * <p>The item embeddings are broadcast ({@code [numItems, d]}) to every executor; the users are cut
 * into blocks of {@code blockUsers}, each a Spark element carrying its users' embeddings, train
 * items and held-out items, so a task needs nothing else. A task builds one {@link ItemScorer}
 * (ONNX Runtime's matrix product against the item table), scores its blocks {@link #SCORE_ROWS}
 * users at a time, keeps each user's top K on the host, and returns the partial metric sums ({@link
 * RankingAccumulator}); the driver merges them. Ties are broken by the lower item id. Scores are
 * float dot products summed in a different order from the engine's matrix product, so a ranking can
 * differ from the single machine's only where two scores are within float rounding of each other.
 *
 * <p>The driver builds the blocks, so it holds the embeddings and both splits (what the
 * single-machine evaluator holds too); item embeddings must fit in each executor's memory.
 */
public final class SparkEvaluation {
  /** Users per Spark element. */
  public static final int DEFAULT_BLOCK_USERS = 512;

  /**
   * Tasks per core of the cluster: each task pays for one scoring session (a copy of the item
   * table), and a few tasks per core still balance the load.
   */
  static final int TASKS_PER_CORE = 2;

  /** Users scored by one run of the scoring graph. */
  static final int SCORE_ROWS = 16;

  private SparkEvaluation() {}

  /**
   * Evaluates user and item embeddings. With {@code blockItems} positive and smaller than the
   * catalogue the items go in blocks ({@link ItemBlocks}): no task then holds more than one block
   * of items at a time; {@code blockItems <= 0} broadcasts the whole item table.
   *
   * @param dimension d
   * @param users row-major {@code [numUsers, d]}, at least the rows of {@code relevant}
   * @param items row-major {@code [numItems, d]}, {@code numItems = relevant.numColumns()}
   * @param exclude items never recommended to a user (the train interactions)
   * @param relevant the held-out interactions to find
   * @param ks the cut-offs, each at least 1
   * @param blockUsers users per Spark element, at least 1
   * @param blockItems items per block, or 0 to broadcast them all
   */
  public static RankingMetrics evaluate(
      JavaSparkContext spark,
      int dimension,
      float[] users,
      float[] items,
      CsrMatrix exclude,
      CsrMatrix relevant,
      List<Integer> ks,
      int blockUsers,
      int blockItems) {
    requireNonNull(spark, "spark is null");
    List<Integer> cutOffs = ks.stream().distinct().sorted().toList();
    int numItems = relevant.numColumns();
    if (dimension < 1 || (long) numItems * dimension != items.length) {
      throw new IllegalArgumentException(
          "items must hold numItems (" + numItems + ") rows of dimension " + dimension);
    }
    if ((long) relevant.numRows() * dimension > users.length) {
      throw new IllegalArgumentException(
          "users must hold at least " + relevant.numRows() + " rows of dimension " + dimension);
    }
    if (blockUsers < 1) {
      throw new IllegalArgumentException("blockUsers must be >= 1, got " + blockUsers);
    }
    int k = Math.min(cutOffs.get(cutOffs.size() - 1), numItems);
    int[] ranked =
        IntStream.range(0, relevant.numRows()).filter(u -> relevant.rowLength(u) > 0).toArray();
    List<UserBlock> blocks = blocks(dimension, users, ranked, exclude, relevant, blockUsers);
    if (blocks.isEmpty()) {
      return new RankingAccumulator(cutOffs).result();
    }
    if (blockItems > 0 && blockItems < numItems) {
      return ItemBlocks.evaluate(spark, dimension, items, numItems, blocks, blockItems, k, cutOffs);
    }
    Broadcast<float[]> broadcastItems = spark.broadcast(items);
    try {
      return spark
          .parallelize(blocks, slices(spark, blocks.size()))
          .mapPartitions(
              part -> rank(part, broadcastItems.value(), numItems, dimension, k, cutOffs))
          .reduce(RankingAccumulator::merge)
          .result();
    } finally {
      broadcastItems.destroy();
    }
  }

  /** Spark partitions for {@code blocks} elements: {@link #TASKS_PER_CORE} per core at most. */
  static int slices(JavaSparkContext spark, int blocks) {
    return Math.max(1, Math.min(blocks, TASKS_PER_CORE * spark.defaultParallelism()));
  }

  /**
   * One Spark element: a block of users with everything their ranking needs.
   *
   * @param users the users' dense ids
   * @param embeddings row-major {@code [users, d]}
   * @param exclude the users' train items, one row per user of the block
   * @param relevant the users' held-out items, one row per user of the block; null when the job
   *     only recommends
   */
  record UserBlock(int[] users, float[] embeddings, CsrMatrix exclude, CsrMatrix relevant)
      implements Serializable {}

  /** The users {@code selected} in blocks of {@code blockUsers}; {@code relevant} may be null. */
  static List<UserBlock> blocks(
      int d, float[] users, int[] selected, CsrMatrix exclude, CsrMatrix relevant, int blockUsers) {
    List<UserBlock> out = new ArrayList<>();
    for (int start = 0; start < selected.length; start += blockUsers) {
      int[] block =
          Arrays.copyOfRange(selected, start, Math.min(selected.length, start + blockUsers));
      float[] emb = new float[block.length * d];
      for (int i = 0; i < block.length; i++) {
        System.arraycopy(users, block[i] * d, emb, i * d, d);
      }
      out.add(
          new UserBlock(
              block, emb, rows(exclude, block), relevant == null ? null : rows(relevant, block)));
    }
    return out;
  }

  /** The rows {@code users} of {@code m} (empty rows past its end), as a matrix of their own. */
  private static CsrMatrix rows(CsrMatrix m, int[] users) {
    int[] offsets = new int[users.length + 1];
    for (int i = 0; i < users.length; i++) {
      offsets[i + 1] = offsets[i] + (users[i] < m.numRows() ? m.rowLength(users[i]) : 0);
    }
    int[] cols = new int[offsets[users.length]];
    for (int i = 0; i < users.length; i++) {
      if (users[i] < m.numRows()) {
        int from = m.rowOffsets()[users[i]];
        System.arraycopy(m.columns(), from, cols, offsets[i], offsets[i + 1] - offsets[i]);
      }
    }
    return new CsrMatrix(users.length, m.numColumns(), offsets, cols);
  }

  /** Ranks every user of the blocks; the partial sums of the partition. */
  static Iterator<RankingAccumulator> rank(
      Iterator<UserBlock> blocks, float[] items, int numItems, int d, int k, List<Integer> ks) {
    RankingAccumulator acc = new RankingAccumulator(ks);
    try (ItemScorer scorer = new ItemScorer(items, numItems, d, SCORE_ROWS)) {
      while (blocks.hasNext()) {
        UserBlock b = blocks.next();
        add(acc, b, topK(b, scorer, k), k);
      }
    }
    return List.of(acc).iterator();
  }

  /** Adds the metrics of a block's users, given their top {@code k} items. */
  static void add(RankingAccumulator acc, UserBlock b, TopItems top, int k) {
    for (int u = 0; u < b.users().length; u++) {
      acc.add(u, top.items(), u * k, k, b.relevant());
    }
  }

  /**
   * Each user's top {@code k} items, row-major {@code [users, k]}: ids ({@code -1} where fewer than
   * {@code k} were left) and their scores, best first.
   */
  record TopItems(long[] items, float[] scores) implements Serializable {}

  /**
   * Each user's top {@code k} items of a block by score (ties: lower item id first), train items
   * excluded.
   */
  static TopItems topK(UserBlock b, ItemScorer scorer, int k) {
    return topK(b, scorer, 0, k);
  }

  /**
   * The same over the items {@code firstItem .. firstItem + scorer.numItems() - 1} only, those that
   * {@code scorer} holds; the ids returned are global.
   */
  static TopItems topK(UserBlock b, ItemScorer scorer, int firstItem, int k) {
    int n = b.users().length;
    int numItems = scorer.numItems();
    float[] scores = new float[scorer.chunkRows() * numItems];
    float[] bestScores = new float[n * k];
    long[] best = new long[n * k];
    int[] filled = new int[n];
    int[] offsets = b.exclude().rowOffsets();
    int[] excluded = b.exclude().columns();
    for (int first = 0; first < n; first += scorer.chunkRows()) {
      int rows = Math.min(scorer.chunkRows(), n - first);
      scorer.score(b.embeddings(), first, rows, scores);
      for (int r = 0; r < rows; r++) {
        int row = first + r;
        int base = r * numItems;
        // the user's train items are never recommended (rows are sorted by item id)
        for (int e = offsets[row]; e < offsets[row + 1]; e++) {
          int item = excluded[e] - firstItem;
          if (item >= numItems) {
            break;
          }
          if (item >= 0) {
            scores[base + item] = Float.NEGATIVE_INFINITY;
          }
        }
        filled[row] = select(scores, base, numItems, firstItem, bestScores, best, row * k, k);
      }
    }
    for (int row = 0; row < n; row++) {
      Arrays.fill(best, row * k + filled[row], row * k + k, -1L);
      Arrays.fill(bestScores, row * k + filled[row], row * k + k, Float.NEGATIVE_INFINITY);
    }
    return new TopItems(best, bestScores);
  }

  /**
   * Selects the top {@code k} of the {@code w} scores at {@code scores[base ..]} into {@code
   * bestScores} and {@code best} at {@code at}, sorted by score descending; returns how many were
   * found (fewer than {@code k} when fewer are finite). Item ids are {@code firstItem} plus the
   * positions, visited in ascending order, so an item that only ties the k-th score never displaces
   * it, and equal scores keep the lower id first.
   */
  private static int select(
      float[] scores,
      int base,
      int w,
      int firstItem,
      float[] bestScores,
      long[] best,
      int at,
      int k) {
    int n = 0;
    // a score enters only above the threshold: minus infinity until k are held, then the k-th
    // best. One comparison per item, which also skips NaN and the excluded items (-inf).
    float threshold = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < w; i++) {
      float s = scores[base + i];
      if (!(s > threshold)) {
        continue;
      }
      int pos = n == k ? k - 1 : n++;
      while (pos > 0 && bestScores[at + pos - 1] < s) {
        bestScores[at + pos] = bestScores[at + pos - 1];
        best[at + pos] = best[at + pos - 1];
        pos--;
      }
      bestScores[at + pos] = s;
      best[at + pos] = firstItem + i;
      if (n == k) {
        threshold = bestScores[at + k - 1];
      }
    }
    return n;
  }
}
