package io.cbns.data.arrow.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.CsrMatrix;
import io.cbns.data.arrow.format.DatasetContent;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class TestSyntheticGenerator {
  private static SyntheticConfig small(long seed, double temperature) {
    return small(seed, temperature, 1.0);
  }

  private static SyntheticConfig small(long seed, double temperature, double zipf) {
    return SyntheticConfig.builder()
        .optUsers(300)
        .optItems(200)
        .optInteractionsPerUser(20)
        .optLatentDim(8)
        .optZipfExponent(zipf)
        .optAffinityTemperature(temperature)
        .optSeed(seed)
        .build();
  }

  @Test
  void itemFeaturesAreDeterministicAndLeaveTheInteractionsAlone() {
    SyntheticConfig plain = small(1, 0.1);
    SyntheticConfig withFeatures =
        SyntheticConfig.fromOptions(
            Options.of(
                "data",
                Map.of(
                    "users", 300,
                    "items", 200,
                    "interactions-per-user", 20,
                    "latent-dim", 8,
                    "affinity-temperature", 0.1,
                    "seed", 1,
                    "item-features", true)));
    assertThat(withFeatures.itemFeatures()).isTrue();
    assertThat(withFeatures.resolvedOptions()).containsEntry("item-features", true);
    assertThat(plain.resolvedOptions()).doesNotContainKey("item-features");
    DatasetContent a = SyntheticGenerator.generate(withFeatures).content();
    DatasetContent b = SyntheticGenerator.generate(withFeatures).content();
    DatasetContent c = SyntheticGenerator.generate(plain).content();
    assertThat(c.itemFeatures()).isNull();
    assertThat(a.fingerprint()).isEqualTo(b.fingerprint()).isNotEqualTo(c.fingerprint());
    assertThat(a.train().itemIds()).containsExactly(c.train().itemIds());
    assertThat(a.test().userIds()).containsExactly(c.test().userIds());
    io.cbns.core.data.FeatureTable f = a.itemFeatures();
    assertThat(f.numRows()).isEqualTo(200);
    assertThat(f.categorical()).extracting(x -> x.name()).containsExactly("genre", "tags");
    assertThat(f.categorical().get(0).vocabularySize()).isEqualTo(16);
    assertThat(f.categorical().get(1).ids()).hasSize(400);
    assertThat(f.dense().get(0).width()).isEqualTo(8);
    assertThat(f.dense().get(0).values()).isEqualTo(b.itemFeatures().dense().get(0).values());
    // the genre is informative: not every item has the same one
    assertThat(java.util.Arrays.stream(f.categorical().get(0).ids()).distinct().count())
        .isGreaterThan(8);
  }

  @Test
  void sameOptionsSameContent() {
    DatasetContent a = SyntheticGenerator.generate(small(1, 0.1)).content();
    DatasetContent b = SyntheticGenerator.generate(small(1, 0.1)).content();
    DatasetContent c = SyntheticGenerator.generate(small(2, 0.1)).content();
    assertThat(b.fingerprint()).isEqualTo(a.fingerprint());
    assertThat(c.fingerprint()).isNotEqualTo(a.fingerprint());
  }

  @Test
  void everyUserHasTrainAndTestInteractionsOfTheRightSize() {
    SyntheticConfig cfg = small(1, 0.1);
    DatasetContent c = SyntheticGenerator.generate(cfg).content();
    assertThat(c.numUsers()).isEqualTo(300);
    assertThat(c.numItems()).isEqualTo(200);
    int[] perUser = new int[300];
    for (int u : c.train().userIds()) {
      perUser[u]++;
    }
    for (int u : c.test().userIds()) {
      perUser[u]++;
    }
    // n_u uniform in [10, 30]; unseen-test drops may remove a few
    assertThat(Arrays.stream(perUser).min().getAsInt()).isGreaterThanOrEqualTo(9);
    assertThat(Arrays.stream(perUser).max().getAsInt()).isLessThanOrEqualTo(30);
    double mean = Arrays.stream(perUser).average().orElse(0);
    assertThat(mean).isBetween(17.0, 23.0);
    double testShare = c.test().size() / (double) (c.train().size() + c.test().size());
    assertThat(testShare).isBetween(0.17, 0.23);
    int[] testPerUser = new int[300];
    for (int u : c.test().userIds()) {
      testPerUser[u]++;
    }
    assertThat(Arrays.stream(testPerUser).filter(n -> n == 0).count()).isLessThan(5);
  }

  @Test
  void popularityIsSkewedAndPersonalAffinityShowsAtLowTemperature() {
    DatasetContent c = SyntheticGenerator.generate(small(1, 0.1)).content();
    // the top 10% of items hold about twice their share, and more than without Zipf popularity
    assertThat(top10Share(c)).isGreaterThan(0.2);
    assertThat(top10Share(c))
        .isGreaterThan(top10Share(SyntheticGenerator.generate(small(1, 0.1, 0.0)).content()));
    // personal signal: two users' train sets overlap less at a low temperature than at a high one
    assertThat(meanJaccard(c))
        .isLessThan(meanJaccard(SyntheticGenerator.generate(small(1, 100)).content()));
  }

  @Test
  void optionsAreReadWithDefaultsAndRanges() {
    SyntheticConfig d = SyntheticConfig.fromOptions(Options.empty("data"));
    assertThat(d).isEqualTo(SyntheticConfig.defaults());
    assertThat(d.users()).isEqualTo(4000);
    assertThatThrownBy(() -> SyntheticConfig.builder().optItems(10).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("interactionsPerUser must be <= items");
    SyntheticConfig s =
        SyntheticConfig.fromOptions(
            Options.of("data", Map.of("users", 10, "items", 50, "zipf-exponent", 0.5)));
    assertThat(s.users()).isEqualTo(10);
    assertThat(s.zipfExponent()).isEqualTo(0.5);
    assertThatThrownBy(
            () ->
                SyntheticConfig.fromOptions(
                    Options.of("data", Map.of("items", 10, "interactions-per-user", 20))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.interactions-per-user: must be <= items (10)");
    assertThatThrownBy(
            () ->
                SyntheticConfig.fromOptions(Options.of("data", Map.of("affinity-temperature", 0))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.affinity-temperature: must be in");
  }

  @Test
  void theSmallestConfigurationWorks() {
    DatasetContent c =
        SyntheticGenerator.generate(
                SyntheticConfig.builder()
                    .optUsers(5)
                    .optItems(2)
                    .optInteractionsPerUser(2)
                    .optLatentDim(1)
                    .optZipfExponent(0)
                    .optAffinityTemperature(1)
                    .optTestRatio(0.5)
                    .optSeed(1)
                    .build())
            .content();
    assertThat(c.train().size()).isEqualTo(5); // every user takes both items, one held out
    assertThat(c.test().size()).isEqualTo(5);
  }

  @Test
  void topKFindsTheLargestKeys() {
    double[] keys = {5, 1, 9, 3, 7, 2, 8};
    int[] out = new int[3];
    double[] heap = new double[3];
    assertThat(SyntheticGenerator.topK(keys, 3, out, heap)).isEqualTo(3);
    assertThat(out).containsExactlyInAnyOrder(2, 6, 4);
  }

  private static double top10Share(DatasetContent c) {
    long[] sorted = Arrays.stream(c.itemTrainCounts()).sorted().toArray();
    long top = 0;
    for (int k = sorted.length - sorted.length / 10; k < sorted.length; k++) {
      top += sorted[k];
    }
    return top / (double) c.train().size();
  }

  private static double meanJaccard(DatasetContent c) {
    CsrMatrix m =
        CsrMatrix.fromPairs(c.numUsers(), c.numItems(), c.train().userIds(), c.train().itemIds());
    double sum = 0;
    int pairs = 0;
    for (int u = 0; u + 1 < c.numUsers(); u += 2) {
      Set<Integer> a = new HashSet<>();
      for (int i : m.row(u)) {
        a.add(i);
      }
      int inter = 0;
      for (int i : m.row(u + 1)) {
        inter += a.contains(i) ? 1 : 0;
      }
      int union = m.rowLength(u) + m.rowLength(u + 1) - inter;
      sum += union == 0 ? 0 : inter / (double) union;
      pairs++;
    }
    return sum / pairs;
  }
}
