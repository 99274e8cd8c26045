package io.cbns.serving.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class TestTopK {
  @Test
  void keepsTheBestInOrderWithTiesToTheLowerId() {
    TopK top = new TopK(3);
    float[] scores = {0.5f, 0.9f, 0.1f, 0.9f, 0.7f, 0.5f};
    // offered in reverse, so that the result cannot be the order of the offers
    for (int i = scores.length - 1; i >= 0; i--) {
      top.offer(i, scores[i]);
    }
    ScoredItems r = top.result();
    assertThat(r.items()).containsExactly(1, 3, 4);
    assertThat(r.scores()).containsExactly(0.9f, 0.9f, 0.7f);
  }

  @Test
  void equalScoresAtTheCutKeepTheLowerIds() {
    TopK top = new TopK(2);
    for (int i = 9; i >= 0; i--) {
      top.offer(i, 1f);
    }
    assertThat(top.result().items()).containsExactly(0, 1);
  }

  @Test
  void fewerOffersThanKGiveFewerItemsAndNaNIsNeverKept() {
    TopK top = new TopK(5);
    top.offer(7, Float.NaN);
    top.offer(3, -2f);
    top.offer(4, Float.NEGATIVE_INFINITY);
    ScoredItems r = top.result();
    assertThat(r.items()).containsExactly(3, 4);
    assertThat(top.wouldKeep(Float.NaN)).isTrue(); // not full yet; offer() still drops it
  }

  @Test
  void kMustBePositive() {
    assertThatThrownBy(() -> new TopK(0)).hasMessageContaining("k must be >= 1");
  }
}
