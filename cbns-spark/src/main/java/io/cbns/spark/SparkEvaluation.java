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
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Full-ranking Recall@K and NDCG@K on Spark, the protocol of {@code FullRankingEvaluator}: every
 * user with held-out items scores every item by dot product, the user's train items are excluded,
 * the top K are compared with the held-out items, and the per-user metrics are averaged.
 *
 * <p>The item embeddings are broadcast ({@code [numItems, d]}) to every executor; the users are cut
 * into blocks of {@code blockUsers}, each a Spark element carrying its users' embeddings, train
 * items and held-out items, so a task needs nothing else. A task scores its block 4 users and a
 * tile of items at a time ({@code [4, tile]} floats, kept in cache), keeps each user's top K on the
 * host, and returns the partial metric sums ({@link RankingAccumulator}); the driver merges them.
 * Ties are broken by the lower item id. Scores are float dot products summed in a different order
 * from the engine's matrix product, so a ranking can differ from the single machine's only where
 * two scores are within float rounding of each other.
 *
 * <p>The driver builds the blocks, so it holds the embeddings and both splits (what the
 * single-machine evaluator holds too); item embeddings must fit in each executor's memory.
 */
public final class SparkEvaluation {
  /** Users per Spark element. */
  public static final int DEFAULT_BLOCK_USERS = 512;

  /** Items scored at once for a group of 4 users: {@code 4 x TILE} floats stay in cache. */
  static final int TILE = 1024;

  private SparkEvaluation() {}

  /**
   * Evaluates user and item embeddings.
   *
   * @param dimension d
   * @param users row-major {@code [numUsers, d]}, at least the rows of {@code relevant}
   * @param items row-major {@code [numItems, d]}, {@code numItems = relevant.numColumns()}
   * @param exclude items never recommended to a user (the train interactions)
   * @param relevant the held-out interactions to find
   * @param ks the cut-offs, each at least 1
   * @param blockUsers users per Spark element, at least 1
   */
  public static RankingMetrics evaluate(
      JavaSparkContext spark,
      int dimension,
      float[] users,
      float[] items,
      CsrMatrix exclude,
      CsrMatrix relevant,
      List<Integer> ks,
      int blockUsers) {
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
    List<UserBlock> blocks = blocks(dimension, users, exclude, relevant, blockUsers);
    Broadcast<float[]> broadcastItems = spark.broadcast(items);
    try {
      if (blocks.isEmpty()) {
        return new RankingAccumulator(cutOffs).result();
      }
      return spark
          .parallelize(blocks, blocks.size())
          .mapPartitions(
              part -> rank(part, broadcastItems.value(), numItems, dimension, k, cutOffs))
          .reduce(RankingAccumulator::merge)
          .result();
    } finally {
      broadcastItems.destroy();
    }
  }

  /**
   * One Spark element: a block of users with everything their ranking needs.
   *
   * @param embeddings row-major {@code [users, d]}
   * @param exclude the users' train items, one row per user of the block
   * @param relevant the users' held-out items, one row per user of the block
   */
  record UserBlock(float[] embeddings, CsrMatrix exclude, CsrMatrix relevant)
      implements Serializable {}

  private static List<UserBlock> blocks(
      int d, float[] users, CsrMatrix exclude, CsrMatrix relevant, int blockUsers) {
    int[] ranked =
        java.util.stream.IntStream.range(0, relevant.numRows())
            .filter(u -> relevant.rowLength(u) > 0)
            .toArray();
    List<UserBlock> out = new ArrayList<>();
    for (int start = 0; start < ranked.length; start += blockUsers) {
      int[] block = Arrays.copyOfRange(ranked, start, Math.min(ranked.length, start + blockUsers));
      float[] emb = new float[block.length * d];
      for (int i = 0; i < block.length; i++) {
        System.arraycopy(users, block[i] * d, emb, i * d, d);
      }
      out.add(new UserBlock(emb, rows(exclude, block), rows(relevant, block)));
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
    while (blocks.hasNext()) {
      UserBlock b = blocks.next();
      long[] top = topK(b, items, numItems, d, k);
      for (int u = 0; u < b.relevant().numRows(); u++) {
        acc.add(u, top, u * k, k, b.relevant());
      }
    }
    return List.of(acc).iterator();
  }

  /**
   * Each user's top {@code k} items by score (ties: lower item id first), train items excluded,
   * {@code -1} where fewer than {@code k} were left; row-major {@code [users, k]}.
   *
   * <p>Users go 4 at a time and items 2 at a time through a register-blocked dot product: 8 sums
   * stay in registers and each item and user value is loaded once per block, which keeps the loop
   * compute-bound (docs/SCALE.md has the measured rates).
   *
   * @param items row-major {@code [numItems, d]}
   */
  static long[] topK(UserBlock b, float[] items, int numItems, int d, int k) {
    int n = b.relevant().numRows();
    float[] scores = new float[4 * TILE];
    float[] bestScores = new float[n * k];
    long[] best = new long[n * k];
    int[] filled = new int[n];
    int[] nextExcluded = Arrays.copyOf(b.exclude().rowOffsets(), n);
    int[] excludedItems = b.exclude().columns();
    float[] u = b.embeddings();
    for (int g = 0; g < n; g += 4) {
      int rows = Math.min(4, n - g);
      // a group of fewer than 4 users repeats its last one; those scores are not used
      int u0 = g * d;
      int u1 = (g + Math.min(1, rows - 1)) * d;
      int u2 = (g + Math.min(2, rows - 1)) * d;
      int u3 = (g + Math.min(3, rows - 1)) * d;
      for (int t0 = 0; t0 < numItems; t0 += TILE) {
        int w = Math.min(TILE, numItems - t0);
        int j = 0;
        for (; j + 1 < w; j += 2) {
          int p = (t0 + j) * d;
          int q = p + d;
          float s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
          for (int c = 0; c < d; c++) {
            float v0 = items[p + c];
            float v1 = items[q + c];
            float x0 = u[u0 + c];
            float x1 = u[u1 + c];
            float x2 = u[u2 + c];
            float x3 = u[u3 + c];
            s00 += x0 * v0;
            s01 += x0 * v1;
            s10 += x1 * v0;
            s11 += x1 * v1;
            s20 += x2 * v0;
            s21 += x2 * v1;
            s30 += x3 * v0;
            s31 += x3 * v1;
          }
          scores[j] = s00;
          scores[j + 1] = s01;
          scores[TILE + j] = s10;
          scores[TILE + j + 1] = s11;
          scores[2 * TILE + j] = s20;
          scores[2 * TILE + j + 1] = s21;
          scores[3 * TILE + j] = s30;
          scores[3 * TILE + j + 1] = s31;
        }
        if (j < w) {
          int p = (t0 + j) * d;
          float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (int c = 0; c < d; c++) {
            float v = items[p + c];
            s0 += u[u0 + c] * v;
            s1 += u[u1 + c] * v;
            s2 += u[u2 + c] * v;
            s3 += u[u3 + c] * v;
          }
          scores[j] = s0;
          scores[TILE + j] = s1;
          scores[2 * TILE + j] = s2;
          scores[3 * TILE + j] = s3;
        }
        for (int r = 0; r < rows; r++) {
          int row = g + r;
          int base = r * TILE;
          // the user's train items in this tile (the row is ascending): never recommended
          int end = b.exclude().rowOffsets()[row + 1];
          int e = nextExcluded[row];
          while (e < end && excludedItems[e] < t0 + w) {
            scores[base + excludedItems[e] - t0] = Float.NEGATIVE_INFINITY;
            e++;
          }
          nextExcluded[row] = e;
          offer(scores, base, w, t0, bestScores, best, row * k, k, filled, row);
        }
      }
    }
    for (int row = 0; row < n; row++) {
      Arrays.fill(best, row * k + filled[row], row * k + k, -1L);
    }
    return best;
  }

  /**
   * Merges a tile's scores into one user's top k, kept sorted by score descending. Items come in
   * ascending id order, so an item that only ties the k-th score is never better than it.
   */
  private static void offer(
      float[] scores,
      int base,
      int w,
      int t0,
      float[] bestScores,
      long[] best,
      int at,
      int k,
      int[] filled,
      int row) {
    int n = filled[row];
    for (int i = 0; i < w; i++) {
      float s = scores[base + i];
      if (s == Float.NEGATIVE_INFINITY
          || Float.isNaN(s)
          || (n == k && s <= bestScores[at + k - 1])) {
        continue;
      }
      int pos = n == k ? k - 1 : n++;
      while (pos > 0 && bestScores[at + pos - 1] < s) {
        bestScores[at + pos] = bestScores[at + pos - 1];
        best[at + pos] = best[at + pos - 1];
        pos--;
      }
      bestScores[at + pos] = s;
      best[at + pos] = t0 + i;
    }
    filled[row] = n;
  }
}
