package io.cbns.serving.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.serving.TestingTowers;
import org.junit.jupiter.api.Test;

final class TestExactIndex {
  private static final int N = 3001; // not a multiple of the scoring tile
  private static final int D = 13; // not a multiple of 4

  @Test
  void returnsTheBruteForceTopKWithoutTheExcludedItems() {
    float[] items = TestingTowers.randomTable(N, D, 1);
    float[] queries = TestingTowers.randomTable(20, D, 2);
    Exclusion[] exclusions = new Exclusion[20];
    int[][] excluded = new int[20][];
    for (int q = 0; q < 20; q++) {
      // the query's own best items are excluded, so exclusion visibly changes the answer
      int[] best = TestingTowers.bruteForce(row(queries, q), items, D, 5, new int[0]);
      excluded[q] = new int[] {best[0], best[2], q * 7};
      exclusions[q] = Exclusion.of(excluded[q]);
    }
    ExactIndex index = new ExactIndex(new ItemEmbeddings(N, D, items));
    for (boolean parallel : new boolean[] {false, true}) {
      ScoredItems[] found = index.search(queries, 10, exclusions, parallel);
      for (int q = 0; q < 20; q++) {
        int[] expected = TestingTowers.bruteForce(row(queries, q), items, D, 10, excluded[q]);
        assertThat(found[q].items()).as("query %d", q).containsExactly(expected);
        for (int i = 0; i < 10; i++) {
          assertThat(found[q].scores()[i])
              .isEqualTo(TestingTowers.dot(row(queries, q), items, D, expected[i]));
        }
      }
    }
  }

  @Test
  void kBeyondTheCatalogueReturnsEveryItemThatIsNotExcluded() {
    float[] items = TestingTowers.randomTable(6, 4, 3);
    ExactIndex index = new ExactIndex(new ItemEmbeddings(6, 4, items));
    ScoredItems r = index.search(TestingTowers.randomTable(1, 4, 4), 50, Exclusion.of(2, 5));
    assertThat(r.items()).hasSize(4).doesNotContain(2, 5);
  }

  static float[] row(float[] table, int r) {
    return row(table, r, D);
  }

  static float[] row(float[] table, int r, int d) {
    float[] out = new float[d];
    System.arraycopy(table, r * d, out, 0, d);
    return out;
  }
}
