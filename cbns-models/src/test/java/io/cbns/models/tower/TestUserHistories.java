package io.cbns.models.tower;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.data.CsrMatrix;
import org.junit.jupiter.api.Test;

final class TestUserHistories {
  // user 0: {2, 4}; user 1: {}; user 2: {0, 1, 3, 5, 7}
  private static final CsrMatrix TRAIN =
      CsrMatrix.fromPairs(3, 8, new int[] {0, 0, 2, 2, 2, 2, 2}, new int[] {4, 2, 7, 0, 1, 3, 5});

  @Test
  void padsToTheLongestRowAndMasksTheExcludedItem() {
    UserHistories h = UserHistories.select(TRAIN, 10);
    HistoryBatch b = h.batch(new long[] {0, 1, 0}, new long[] {4, 4, 9});
    assertThat(b.rows()).isEqualTo(3);
    assertThat(b.length()).isEqualTo(2);
    assertThat(b.items()).containsExactly(2, 4, 0, 0, 2, 4);
    assertThat(b.mask()).containsExactly(1, 0, 0, 0, 1, 1);
    assertThat(b.meanWeights()).containsExactly(1, 0, 0, 0, 0.5f, 0.5f);
  }

  @Test
  void withoutExclusionsKeepsEverything() {
    UserHistories h = UserHistories.select(TRAIN, 10);
    HistoryBatch b = h.batch(new long[] {2}, null);
    assertThat(b.items()).containsExactly(0, 1, 3, 5, 7);
    assertThat(b.mask()).containsOnly(1f);
    HistoryBatch empty = h.batch(new long[] {1}, null);
    assertThat(empty.length()).isEqualTo(1);
    assertThat(empty.mask()).containsExactly(0f);
  }

  @Test
  void capKeepsAFixedSubset() {
    UserHistories h = UserHistories.select(TRAIN, 3);
    assertThat(h.maxLength()).isEqualTo(3);
    assertThat(h.length(2)).isEqualTo(3);
    assertThat(h.items(0)).containsExactly(2, 4);
    assertThat(UserHistories.select(TRAIN, 3).items(2)).isEqualTo(h.items(2));
    assertThat(h.batch(new long[] {2, 0}, null).length()).isEqualTo(3);
  }

  @Test
  void rejectsUnknownUsers() {
    UserHistories h = UserHistories.select(TRAIN, 3);
    assertThatThrownBy(() -> h.batch(new long[] {3}, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user id 3");
    assertThatThrownBy(() -> h.batch(new long[] {0}, new long[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
