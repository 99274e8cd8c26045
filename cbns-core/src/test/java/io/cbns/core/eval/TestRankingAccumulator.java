package io.cbns.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cbns.core.data.CsrMatrix;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TestRankingAccumulator {
  // user 0 finds item 3 of {3, 5}; user 1 finds item 1 (its only one) at rank 2
  private static final CsrMatrix RELEVANT =
      CsrMatrix.fromPairs(2, 6, new int[] {0, 0, 1}, new int[] {3, 5, 1});

  @Test
  void recallAndNdcgByHand() {
    RankingAccumulator acc = new RankingAccumulator(List.of(1, 2));
    acc.add(0, new long[] {3, 0}, 0, 2, RELEVANT);
    acc.add(1, new long[] {4, 1}, 0, 2, RELEVANT);
    RankingMetrics r = acc.result();
    assertThat(r.users()).isEqualTo(2);
    // recall@1: (1/2 + 0) / 2; recall@2: (1/2 + 1) / 2
    assertThat(r.recallAt(1)).isCloseTo(0.25, within(1e-12));
    assertThat(r.recallAt(2)).isCloseTo(0.75, within(1e-12));
    // ndcg@2: user 0: 1 / (1 + 1/log2(3)); user 1: (1/log2(3)) / 1
    double d2 = 1 / (Math.log(3) / Math.log(2));
    assertThat(r.ndcgAt(2)).isCloseTo((1 / (1 + d2) + d2) / 2, within(1e-12));
  }

  @Test
  void mergedPartsEqualOneWhole() {
    RankingAccumulator whole = new RankingAccumulator(List.of(1, 2));
    RankingAccumulator a = new RankingAccumulator(List.of(1, 2));
    RankingAccumulator b = new RankingAccumulator(List.of(1, 2));
    long[] top0 = {5, 3};
    long[] top1 = {1, -1};
    whole.add(0, top0, 0, 2, RELEVANT);
    whole.add(1, top1, 0, 2, RELEVANT);
    a.add(0, top0, 0, 2, RELEVANT);
    b.add(1, top1, 0, 2, RELEVANT);
    assertThat(a.merge(b).result()).isEqualTo(whole.result());
    assertThatThrownBy(() -> a.merge(new RankingAccumulator(List.of(1))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsBadCutOffsAndUsersWithoutRelevantItems() {
    assertThatThrownBy(() -> new RankingAccumulator(List.of(2, 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RankingAccumulator(List.of(0)))
        .isInstanceOf(IllegalArgumentException.class);
    CsrMatrix none = CsrMatrix.fromPairs(1, 3, new int[0], new int[0]);
    assertThatThrownBy(() -> new RankingAccumulator(List.of(1)).add(0, new long[] {0}, 0, 1, none))
        .hasMessageContaining("no relevant items");
  }
}
