package io.cbns.runner.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cbns.core.CbnsException;
import io.cbns.serving.IdMap;
import io.cbns.serving.Recommender.Recommendation;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

final class TestRecommendationFormat {
  @Test
  void scoresHaveSixDecimalsLikePercentF() {
    assertThat(fixed6(0.5f)).isEqualTo("0.500000");
    assertThat(fixed6(-0.25f)).isEqualTo("-0.250000");
    assertThat(fixed6(1e-7f)).isEqualTo("0.000000");
    assertThat(fixed6(12.345678f)).isEqualTo("12.345678");
    assertThat(fixed6(-3f)).isEqualTo("-3.000000");
    assertThat(fixed6(1e13f)).isEqualTo(String.format(Locale.ROOT, "%.6f", (double) 1e13f));
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 10_000; i++) {
      float v = (float) (random.nextDouble(-4, 4));
      String s = fixed6(v);
      assertThat(s).matches("-?\\d+\\.\\d{6}");
      assertThat(Double.parseDouble(s)).isCloseTo(v, within(5.01e-7));
    }
  }

  @Test
  void linesUseOriginalIdsWhenTheDatasetHasThem() {
    IdMap users = IdMap.of("user", 2, Optional.of(List.of("alice", "bob")));
    IdMap items = IdMap.of("item", 3, Optional.of(List.of("x", "y", "z")));
    Recommendation r = new Recommendation(1, new int[] {2, 0}, new float[] {0.9f, 0.125f});
    assertThat(RecommendationLines.formatLine(r, users, items))
        .isEqualTo("bob\tz:0.900000,x:0.125000");
    IdMap dense = IdMap.of("item", 3, Optional.empty());
    assertThat(RecommendationLines.formatLine(r, IdMap.of("user", 2, Optional.empty()), dense))
        .isEqualTo("1\t2:0.900000,0:0.125000");
  }

  @Test
  void idMapsParseOriginalOrDenseIds() {
    IdMap users = IdMap.of("user", 2, Optional.of(List.of("alice", "bob")));
    assertThat(users.parse(" bob ")).isEqualTo(1);
    assertThatThrownBy(() -> users.parse("1"))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("unknown user id '1'")
        .hasMessageContaining("original ids, e.g. 'alice'");
    IdMap dense = IdMap.of("item", 5, Optional.empty());
    assertThat(dense.parse("4")).isEqualTo(4);
    assertThatThrownBy(() -> dense.parse("5"))
        .hasMessage("unknown item id 5: this dataset's item ids are 0..4");
  }

  private static String fixed6(float v) {
    StringBuilder sb = new StringBuilder();
    RecommendationLines.appendFixed6(sb, v);
    return sb.toString();
  }
}
