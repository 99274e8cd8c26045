package io.cbns.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class TestCsrMatrix {
  @Test
  void fromPairsSortsAndDeduplicatesRows() {
    CsrMatrix m = CsrMatrix.fromPairs(3, 10, new int[] {2, 0, 2, 2, 0}, new int[] {7, 3, 1, 7, 3});
    assertThat(m.row(0)).containsExactly(3);
    assertThat(m.row(1)).isEmpty();
    assertThat(m.row(2)).containsExactly(1, 7);
    assertThat(m.nonZeros()).isEqualTo(3);
    assertThat(m.contains(2, 7)).isTrue();
    assertThat(m.contains(2, 3)).isFalse();
    assertThat(m.nonEmptyRows()).isEqualTo(2);
    assertThat(m.columnCounts()[7]).isEqualTo(1);
  }

  @Test
  void rejectsOutOfRangePairs() {
    assertThatThrownBy(() -> CsrMatrix.fromPairs(2, 2, new int[] {0}, new int[] {2}))
        .hasMessageContaining("(0, 2)");
  }

  @Test
  void unionMergesRowsWithoutDuplicates() {
    CsrMatrix a = CsrMatrix.fromPairs(3, 10, new int[] {0, 0, 2}, new int[] {1, 5, 9});
    CsrMatrix b = CsrMatrix.fromPairs(3, 10, new int[] {0, 1, 2, 0}, new int[] {5, 4, 0, 2});
    CsrMatrix u = a.union(b);
    assertThat(u.row(0)).containsExactly(1, 2, 5);
    assertThat(u.row(1)).containsExactly(4);
    assertThat(u.row(2)).containsExactly(0, 9);
    assertThat(u.nonZeros()).isEqualTo(6);
    assertThatThrownBy(() -> a.union(CsrMatrix.fromPairs(2, 10, new int[0], new int[0])))
        .hasMessageContaining("shapes differ");
  }

  @Test
  void minusKeepsThePairsTheOtherLacks() {
    CsrMatrix a = CsrMatrix.fromPairs(2, 10, new int[] {0, 0, 1}, new int[] {1, 5, 9});
    CsrMatrix b = CsrMatrix.fromPairs(2, 10, new int[] {0, 1}, new int[] {5, 3});
    CsrMatrix d = a.minus(b);
    assertThat(d.row(0)).containsExactly(1);
    assertThat(d.row(1)).containsExactly(9);
  }
}
