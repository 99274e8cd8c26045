package io.cbns.core.eval;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.CsrMatrix;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sums the per-user Recall@K and NDCG@K of the full-ranking protocol ({@link
 * FullRankingEvaluator}): Recall@K = hits in the top K / relevant items, NDCG@K with binary gains
 * and the ideal DCG over {@code min(K, relevant)} positions. Partial sums from several workers add
 * up with {@link #merge}, so a distributed evaluation computes exactly what the single-machine one
 * does (up to the order of floating-point additions).
 *
 * <p>Serializable (Spark ships it between tasks and the driver); not thread-safe.
 */
public final class RankingAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int[] ks;
  private final double[] recallSum;
  private final double[] ndcgSum;
  private final double[] discount;
  private final double[] idealDcg;
  private int users;

  /**
   * @param ks the cut-offs, ascending, distinct, each at least 1
   */
  public RankingAccumulator(List<Integer> ks) {
    requireNonNull(ks, "ks is null");
    if (ks.isEmpty()) {
      throw new IllegalArgumentException("ks is empty");
    }
    this.ks = ks.stream().mapToInt(Integer::intValue).toArray();
    for (int i = 0; i < this.ks.length; i++) {
      if (this.ks[i] < 1 || (i > 0 && this.ks[i] <= this.ks[i - 1])) {
        throw new IllegalArgumentException("ks must be ascending, distinct and >= 1: " + ks);
      }
    }
    int maxK = this.ks[this.ks.length - 1];
    this.recallSum = new double[this.ks.length];
    this.ndcgSum = new double[this.ks.length];
    this.discount = new double[maxK];
    this.idealDcg = new double[maxK + 1];
    for (int i = 0; i < maxK; i++) {
      discount[i] = 1.0 / (Math.log(i + 2) / Math.log(2));
      idealDcg[i + 1] = idealDcg[i] + discount[i];
    }
  }

  /**
   * Adds one user's ranking.
   *
   * @param user the user, a row of {@code relevant} with at least one item
   * @param top the ranked items, {@code top[offset .. offset + k)}; -1 where fewer than k items
   *     were left to rank
   * @param k the ranking's length: the largest cut-off, or the number of items if smaller
   * @param relevant the held-out items of every user
   */
  public void add(int user, long[] top, int offset, int k, CsrMatrix relevant) {
    int numRelevant = relevant.rowLength(user);
    if (numRelevant == 0) {
      throw new IllegalArgumentException("user " + user + " has no relevant items");
    }
    double dcg = 0;
    int hits = 0;
    int next = 0;
    for (int pos = 0; pos < k; pos++) {
      long item = top[offset + pos];
      if (item >= 0 && relevant.contains(user, (int) item)) {
        hits++;
        dcg += discount[pos];
      }
      while (next < ks.length && ks[next] == pos + 1) {
        accumulate(next++, hits, numRelevant, dcg);
      }
    }
    // cut-offs beyond the number of items: the ranking is complete at k
    while (next < ks.length) {
      accumulate(next++, hits, numRelevant, dcg);
    }
    users++;
  }

  private void accumulate(int i, int hits, int numRelevant, double dcg) {
    recallSum[i] += (double) hits / numRelevant;
    ndcgSum[i] += dcg / idealDcg[Math.min(ks[i], numRelevant)];
  }

  /** Adds {@code other}'s sums (same cut-offs) to this one's; returns this. */
  public RankingAccumulator merge(RankingAccumulator other) {
    if (!java.util.Arrays.equals(ks, other.ks)) {
      throw new IllegalArgumentException("cut-offs differ");
    }
    for (int i = 0; i < ks.length; i++) {
      recallSum[i] += other.recallSum[i];
      ndcgSum[i] += other.ndcgSum[i];
    }
    users += other.users;
    return this;
  }

  /** Users added so far. */
  public int users() {
    return users;
  }

  /** The means over the users added (0 when none was). */
  public RankingMetrics result() {
    Map<Integer, Double> recall = new HashMap<>();
    Map<Integer, Double> ndcg = new HashMap<>();
    for (int i = 0; i < ks.length; i++) {
      recall.put(ks[i], users == 0 ? 0.0 : recallSum[i] / users);
      ndcg.put(ks[i], users == 0 ? 0.0 : ndcgSum[i] / users);
    }
    return new RankingMetrics(recall, ndcg, users);
  }
}
