package io.cbns.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.FixedEmbeddings;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TestFullRankingEvaluator {
  // 1-d embeddings: score(u, i) = user[u] * item[i]; items ranked by item value for user 0/2
  private static final float[][] ITEMS = {{5}, {4}, {3}, {2}, {1}};
  private static final float[][] USERS = {{1}, {-1}, {1}};

  @Test
  void recallAndNdcgMatchHandComputedValues() {
    // user 0: train {0}, so ranking = 1,2,3,4; relevant {2, 4}
    // user 1: negative scores, ranking = 4,3,2,1,0; relevant {4}
    // user 2: no relevant items -> not evaluated
    CsrMatrix train = CsrMatrix.fromPairs(3, 5, new int[] {0, 2}, new int[] {0, 1});
    CsrMatrix test = CsrMatrix.fromPairs(3, 5, new int[] {0, 0, 1}, new int[] {2, 4, 4});
    FullRankingEvaluator ev = new FullRankingEvaluator(List.of(2, 1), 2);
    try (NDManager m = NDManager.newBaseManager()) {
      RankingMetrics r = ev.evaluate(m, fixed(USERS, ITEMS), train, test);
      assertThat(r.users()).isEqualTo(2);
      // K=1: user0 top [1] -> 0 hits; user1 top [4] -> hit. recall = (0 + 1)/2
      assertThat(r.recallAt(1)).isCloseTo(0.5, within(1e-9));
      assertThat(r.ndcgAt(1)).isCloseTo(0.5, within(1e-9));
      // K=2: user0 top [1,2] -> hit at rank 2: recall 1/2, dcg 1/log2(3), idcg 1 + 1/log2(3)
      double d2 = 1 / (Math.log(3) / Math.log(2));
      assertThat(r.recallAt(2)).isCloseTo((0.5 + 1.0) / 2, within(1e-9));
      assertThat(r.ndcgAt(2)).isCloseTo((d2 / (1 + d2) + 1.0) / 2, within(1e-9));
    }
  }

  @Test
  void trainItemsAreNeverRecommended() {
    // user 0's relevant item 0 is also in train: it must not be found
    CsrMatrix train = CsrMatrix.fromPairs(1, 5, new int[] {0}, new int[] {0});
    CsrMatrix test = CsrMatrix.fromPairs(1, 5, new int[] {0}, new int[] {0});
    FullRankingEvaluator ev = new FullRankingEvaluator(List.of(5), 16);
    try (NDManager m = NDManager.newBaseManager()) {
      RankingMetrics r = ev.evaluate(m, fixed(new float[][] {{1}}, ITEMS), train, test);
      assertThat(r.recallAt(5)).isZero();
    }
  }

  @Test
  void mostPopularSkipsTrainItemsAndBreaksTiesById() {
    long[] counts = {1, 9, 9, 3, 0};
    // popularity order: 1, 2, 3, 0, 4; user 0 has train {1} -> 2, 3
    CsrMatrix train = CsrMatrix.fromPairs(1, 5, new int[] {0}, new int[] {1});
    CsrMatrix test = CsrMatrix.fromPairs(1, 5, new int[] {0}, new int[] {3});
    FullRankingEvaluator ev = new FullRankingEvaluator(List.of(1, 2), 16);
    RankingMetrics r = ev.mostPopular(counts, train, test);
    assertThat(r.recallAt(1)).isZero();
    assertThat(r.recallAt(2)).isEqualTo(1.0);
    assertThat(r.ndcgAt(2)).isCloseTo(1 / (Math.log(3) / Math.log(2)), within(1e-9));
  }

  @Test
  void chunkingDoesNotChangeTheResult() {
    CsrMatrix train = CsrMatrix.fromPairs(3, 5, new int[] {0, 2}, new int[] {0, 1});
    CsrMatrix test = CsrMatrix.fromPairs(3, 5, new int[] {0, 0, 1, 2}, new int[] {2, 4, 4, 3});
    try (NDManager m = NDManager.newBaseManager()) {
      FixedEmbeddings model = fixed(USERS, ITEMS);
      RankingMetrics one = new FullRankingEvaluator(List.of(2), 1).evaluate(m, model, train, test);
      RankingMetrics all = new FullRankingEvaluator(List.of(2), 64).evaluate(m, model, train, test);
      assertThat(one).isEqualTo(all);
    }
  }

  /** Towers over the given rows. */
  static FixedEmbeddings fixed(float[][] users, float[][] items) {
    return new FixedEmbeddings(users[0].length, flat(users), flat(items));
  }

  private static float[] flat(float[][] rows) {
    float[] out = new float[rows.length * rows[0].length];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, out, r * rows[r].length, rows[r].length);
    }
    return out;
  }
}
