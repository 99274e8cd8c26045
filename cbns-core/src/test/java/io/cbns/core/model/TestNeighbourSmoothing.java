package io.cbns.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.cbns.core.data.CsrMatrix;
import org.junit.jupiter.api.Test;

final class TestNeighbourSmoothing {
  // 3 users, 3 items, d = 2; user 0 has items 0 and 1, user 1 has item 1, user 2 nothing; item 2
  // has no users
  private static final float[] USERS = {1, 0, 0, 2, 3, 4};
  private static final float[] ITEMS = {3, 4, 0, 1, 5, 5};
  private static final CsrMatrix TRAIN =
      CsrMatrix.fromPairs(3, 3, new int[] {0, 0, 1}, new int[] {0, 1, 1});

  @Test
  void addsTheWeightedUnitMeanOfEachNeighbourhood() {
    FixedEmbeddings s = new NeighbourSmoothing(0.5, -1).apply(2, USERS, ITEMS, TRAIN);
    float[] u = s.users();
    float[] v = s.items();
    // user 0: items 0 and 1 sum to (3, 5), unit (3, 5) / sqrt(34)
    double n = Math.sqrt(34);
    assertThat(u[0]).isCloseTo((float) (1 + 0.5 * 3 / n), within(1e-6f));
    assertThat(u[1]).isCloseTo((float) (0.5 * 5 / n), within(1e-6f));
    // user 1: item 1 alone, already a unit vector (0, 1)
    assertThat(u[2]).isCloseTo(0f, within(1e-6f));
    assertThat(u[3]).isCloseTo(2.5f, within(1e-6f));
    // user 2 and item 2 have no neighbours: unchanged
    assertThat(new float[] {u[4], u[5]}).containsExactly(3, 4);
    assertThat(new float[] {v[4], v[5]}).containsExactly(5, 5);
    // item 0: user 0 alone, (1, 0); item 1: users 0 and 1 sum to (1, 2)
    assertThat(new float[] {v[0], v[1]}).containsExactly(2, 4);
    double m = Math.sqrt(5);
    assertThat(v[2]).isCloseTo((float) (-1 / m), within(1e-6f));
    assertThat(v[3]).isCloseTo((float) (1 - 2 / m), within(1e-6f));
    // the inputs are not modified
    assertThat(USERS).containsExactly(1, 0, 0, 2, 3, 4);
  }

  @Test
  void noneKeepsTheTablesAndEncodesThroughTheTowers() {
    assertThat(NeighbourSmoothing.NONE.isIdentity()).isTrue();
    assertThat(new NeighbourSmoothing(0, 0.1).isIdentity()).isFalse();
    try (NDManager m = NDManager.newBaseManager()) {
      // the towers' outputs are read through the engine, users past the interactions' rows too
      FixedEmbeddings towers = new FixedEmbeddings(2, USERS, ITEMS);
      CsrMatrix firstTwoUsers = CsrMatrix.fromPairs(2, 3, new int[] {0}, new int[] {0});
      FixedEmbeddings same = NeighbourSmoothing.NONE.apply(towers, firstTwoUsers, 3, m);
      assertThat(same.users()).containsExactly(USERS);
      assertThat(same.items()).containsExactly(ITEMS);
      FixedEmbeddings smoothed = new NeighbourSmoothing(1, 0).apply(towers, firstTwoUsers, 3, m);
      assertThat(smoothed.users()).containsExactly(1 + 0.6f, 0.8f, 0, 2, 3, 4);
    }
  }

  @Test
  void rejectsWhatDoesNotFit() {
    assertThatThrownBy(() -> new NeighbourSmoothing(Double.NaN, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("finite");
    CsrMatrix tooManyItems = CsrMatrix.fromPairs(1, 4, new int[] {0}, new int[] {3});
    assertThatThrownBy(() -> new NeighbourSmoothing(1, 1).apply(2, USERS, ITEMS, tooManyItems))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("do not fit");
  }
}
