package io.cbns.core.eval;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.TwoTowerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Full-ranking evaluation as in the LightGCN protocol: for every user with relevant items, score
 * all items, exclude the user's train items, take the top K and average Recall@K (hits / relevant
 * items) and NDCG@K (binary gains, ideal DCG over {@code min(K, relevant)} positions) over those
 * users.
 *
 * <p>Scoring and top-K run in the engine, a chunk of users at a time ({@code [chunk, numItems]}
 * scores); only the top-K indices come back to the host. Thread-safe (no state besides settings) as
 * long as the {@link Progress} callback, if any, is.
 */
public final class FullRankingEvaluator {
  private final List<Integer> ks;
  private final int maxK;
  private final int chunkSize;
  private final Progress progress;

  /**
   * Told how far an evaluation has got, so that a long one can show a progress bar. Called on the
   * evaluating thread: once with {@code usersDone == 0} before the first chunk, then after every
   * chunk; the last call has {@code usersDone == usersTotal}. An exception thrown by it ends the
   * evaluation.
   */
  @FunctionalInterface
  public interface Progress {
    /** Reports nothing. */
    Progress NONE = (usersDone, usersTotal) -> {};

    /**
     * @param usersDone users ranked so far in this evaluation
     * @param usersTotal users this evaluation ranks (those with relevant items)
     */
    void onUsersRanked(int usersDone, int usersTotal);
  }

  /**
   * @param ks the cut-offs, each >= 1
   * @param chunkSize users scored at once
   */
  public FullRankingEvaluator(List<Integer> ks, int chunkSize) {
    this(ks, chunkSize, Progress.NONE);
  }

  private FullRankingEvaluator(List<Integer> ks, int chunkSize, Progress progress) {
    requireNonNull(ks, "ks is null");
    requireNonNull(progress, "progress is null");
    if (ks.isEmpty() || ks.stream().anyMatch(k -> k < 1)) {
      throw new IllegalArgumentException("ks must be non-empty and >= 1: " + ks);
    }
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunkSize must be >= 1");
    }
    this.ks = ks.stream().distinct().sorted().toList();
    this.maxK = this.ks.get(this.ks.size() - 1);
    this.chunkSize = chunkSize;
    this.progress = progress;
  }

  /**
   * This evaluator with the same cut-offs and chunk size, reporting to {@code progress} during
   * {@link #evaluate} (the most-popular baseline is computed on the host in one pass and reports
   * nothing).
   */
  public FullRankingEvaluator withProgress(Progress progress) {
    return new FullRankingEvaluator(ks, chunkSize, progress);
  }

  public List<Integer> ks() {
    return ks;
  }

  /**
   * Evaluates {@code model}.
   *
   * @param parent the manager under which temporary arrays are created (and freed on return)
   * @param model the towers, used in inference mode
   * @param exclude items never to recommend to a user (the train interactions)
   * @param relevant the held-out interactions to find
   */
  public RankingMetrics evaluate(
      NDManager parent, TwoTowerModel model, CsrMatrix exclude, CsrMatrix relevant) {
    int numItems = relevant.numColumns();
    int k = Math.min(maxK, numItems);
    int[] users = usersWithRelevantItems(relevant);
    RankingAccumulator acc = new RankingAccumulator(ks);
    progress.onUsersRanked(0, users.length);
    try (NDManager m = parent.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      NDArray itemIds = m.arange(0, numItems, 1, DataType.INT64);
      NDArray itemsT = model.encodeItems(ps, itemIds, false).transpose();
      for (int start = 0; start < users.length; start += chunkSize) {
        int end = Math.min(users.length, start + chunkSize);
        try (NDManager c = m.newSubManager()) {
          long[] ids = new long[end - start];
          for (int i = start; i < end; i++) {
            ids[i - start] = users[i];
          }
          NDArray userEmb = model.encodeUsers(ps, c.create(ids), null, false);
          NDArray scores = userEmb.matMul(itemsT);
          scores = excludeSeen(c, scores, ids, exclude, numItems);
          NDList top = scores.topK(k, 1, true, true);
          long[] topItems = top.get(1).toType(DataType.INT64, false).toLongArray();
          float[] topScores = top.get(0).toFloatArray();
          for (int i = 0; i < topItems.length; i++) {
            if (topScores[i] == Float.NEGATIVE_INFINITY) {
              topItems[i] = -1; // an excluded item: fewer than k items were left to rank
            }
          }
          for (int row = 0; row < ids.length; row++) {
            acc.add((int) ids[row], topItems, row * k, k, relevant);
          }
        }
        progress.onUsersRanked(end, users.length);
      }
    }
    return acc.result();
  }

  /**
   * The most-popular baseline on the same protocol: every user gets the most frequent train items
   * they have not interacted with, in order of frequency (ties by item id).
   */
  public RankingMetrics mostPopular(long[] itemCounts, CsrMatrix exclude, CsrMatrix relevant) {
    int numItems = relevant.numColumns();
    Integer[] order = IntStream.range(0, numItems).boxed().toArray(Integer[]::new);
    Arrays.sort(
        order,
        Comparator.<Integer>comparingLong(i -> -(i < itemCounts.length ? itemCounts[i] : 0))
            .thenComparingInt(i -> i));
    int k = Math.min(maxK, numItems);
    int[] users = usersWithRelevantItems(relevant);
    RankingAccumulator acc = new RankingAccumulator(ks);
    long[] top = new long[k];
    for (int u : users) {
      int n = 0;
      for (int i = 0; i < numItems && n < k; i++) {
        int item = order[i];
        if (u >= exclude.numRows() || !exclude.contains(u, item)) {
          top[n++] = item;
        }
      }
      Arrays.fill(top, n, k, -1);
      acc.add(u, top, 0, k, relevant);
    }
    return acc.result();
  }

  private static NDArray excludeSeen(
      NDManager m, NDArray scores, long[] users, CsrMatrix exclude, int numItems) {
    int total = 0;
    for (long u : users) {
      total += u < exclude.numRows() ? exclude.rowLength((int) u) : 0;
    }
    if (total == 0) {
      return scores;
    }
    long[] linear = new long[total];
    int w = 0;
    for (int row = 0; row < users.length; row++) {
      int u = (int) users[row];
      if (u >= exclude.numRows()) {
        continue;
      }
      long base = (long) row * numItems;
      int[] cols = exclude.columns();
      for (int p = exclude.rowOffsets()[u]; p < exclude.rowOffsets()[u + 1]; p++) {
        linear[w++] = base + cols[p];
      }
    }
    NDArray index = m.create(linear);
    // in place through a flat view: put() would copy the whole [chunk, items] score matrix
    scores.reshape(-1).set(new ai.djl.ndarray.index.NDIndex("{}", index), Float.NEGATIVE_INFINITY);
    return scores;
  }

  private static int[] usersWithRelevantItems(CsrMatrix relevant) {
    return IntStream.range(0, relevant.numRows()).filter(u -> relevant.rowLength(u) > 0).toArray();
  }

  /** For tests: the cut-offs as evaluated, ascending. */
  List<Integer> sortedKs() {
    return new ArrayList<>(ks);
  }
}
