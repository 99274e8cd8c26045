package io.cbns.core.eval;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Recall@K and NDCG@K averaged over the evaluated users.
 *
 * @param recall K to mean Recall@K (hits in the top K / the user's relevant items)
 * @param ndcg K to mean NDCG@K (binary relevance, ideal DCG over min(K, relevant) items)
 * @param users number of users averaged over
 */
public record RankingMetrics(Map<Integer, Double> recall, Map<Integer, Double> ndcg, int users) {
  public RankingMetrics {
    // sorted by K, so that reports list the cut-offs in order
    recall = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(recall, "recall")));
    ndcg = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(ndcg, "ndcg")));
  }

  public double recallAt(int k) {
    return value(recall, k);
  }

  public double ndcgAt(int k) {
    return value(ndcg, k);
  }

  private static double value(Map<Integer, Double> m, int k) {
    Double v = m.get(k);
    if (v == null) {
      throw new IllegalArgumentException("K=" + k + " was not evaluated; have " + m.keySet());
    }
    return v;
  }
}
