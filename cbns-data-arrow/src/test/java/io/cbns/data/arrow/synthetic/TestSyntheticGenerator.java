package io.cbns.data.arrow.synthetic;

import static io.cbns.data.arrow.synthetic.SyntheticConfig.Sampling.CLUSTERED;
import static io.cbns.data.arrow.synthetic.SyntheticConfig.Sampling.GROUPED;
import static io.cbns.data.arrow.synthetic.SyntheticConfig.Sampling.REJECTION;
import static io.cbns.data.arrow.synthetic.SyntheticConfig.Sampling.SCAN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.CsrMatrix;
import io.cbns.data.arrow.format.DatasetContent;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
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
  void rejectionDrawsFromTheLawOfTheScan() {
    assertDrawsTheLawOfTheScan(
        REJECTION,
        SyntheticConfig.builder()
            .optUsers(20000)
            .optItems(40)
            .optInteractionsPerUser(2)
            .optLatentDim(3)
            .optAffinityTemperature(0.3)
            .optTestRatio(0.5)
            .optSeed(3),
        SyntheticConfig.builder()
            .optUsers(3000)
            .optItems(40)
            .optInteractionsPerUser(20)
            .optLatentDim(3)
            .optAffinityTemperature(0.05)
            .optTestRatio(0.5)
            .optSeed(4));
  }

  @Test
  void clusteredSamplingDrawsFromTheLawOfTheScan() {
    assertDrawsTheLawOfTheScan(
        CLUSTERED,
        SyntheticConfig.builder()
            .optUsers(20000)
            .optItems(40)
            .optInteractionsPerUser(2)
            .optLatentDim(3)
            .optAffinityTemperature(0.1)
            .optItemClusters(6)
            .optClusterSpread(0.4)
            .optTestRatio(0.5)
            .optSeed(5),
        SyntheticConfig.builder()
            .optUsers(3000)
            .optItems(40)
            .optInteractionsPerUser(20)
            .optLatentDim(3)
            .optAffinityTemperature(0.05)
            .optItemClusters(4)
            .optTestRatio(0.5)
            .optSeed(6));
  }

  @Test
  void groupedSamplingDrawsTheDefaultLawFromTheLawOfTheScan() {
    // independent item factors (no item-clusters): the groups come from k-means
    assertDrawsTheLawOfTheScan(
        GROUPED,
        SyntheticConfig.builder()
            .optUsers(20000)
            .optItems(40)
            .optInteractionsPerUser(2)
            .optLatentDim(3)
            .optAffinityTemperature(0.1)
            .optSamplingGroups(6)
            .optTestRatio(0.5)
            .optSeed(7),
        SyntheticConfig.builder()
            .optUsers(3000)
            .optItems(40)
            .optInteractionsPerUser(20)
            .optLatentDim(3)
            .optAffinityTemperature(0.05)
            .optSamplingGroups(4)
            .optTestRatio(0.5)
            .optSeed(8));
  }

  @Test
  void kMeansGroupsHoldEveryItemOnceEachNearestItsOwnDirection() {
    int items = 5000;
    int d = 8;
    java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
    double[] factors = new double[items * d];
    for (int i = 0; i < items * d; i++) {
      factors[i] = rng.nextDouble() - 0.5;
    }
    for (int i = 0; i < items; i++) {
      double norm = 0;
      for (int c = 0; c < d; c++) {
        norm += factors[i * d + c] * factors[i * d + c];
      }
      for (int c = 0; c < d; c++) {
        factors[i * d + c] /= Math.sqrt(norm);
      }
    }
    SyntheticGenerator.Groups g =
        SyntheticGenerator.Groups.byKMeans(
            factors, items, d, 50, new java.util.SplittableRandom(3));
    assertThat(g.count()).isBetween(1, 50);
    assertThat(g.offset()[g.count()]).isEqualTo(items);
    boolean[] seen = new boolean[items];
    double meanDot = 0;
    for (int k = 0; k < g.count(); k++) {
      assertThat(g.offset()[k + 1]).as("group %d is empty", k).isGreaterThan(g.offset()[k]);
      for (int j = g.offset()[k]; j < g.offset()[k + 1]; j++) {
        int i = g.members()[j];
        assertThat(seen[i]).as("item %d twice", i).isFalse();
        seen[i] = true;
        double own = dot(factors, i, g.centres(), k, d);
        meanDot += own / items;
        for (int other = 0; other < g.count(); other++) {
          assertThat(dot(factors, i, g.centres(), other, d)).isLessThanOrEqualTo(own);
        }
      }
    }
    // tighter than one group around a random item: k-means moved the directions to the items
    assertThat(meanDot).isGreaterThan(0.6);
    // the same arguments, the same groups
    assertThat(
            SyntheticGenerator.Groups.byKMeans(
                    factors, items, d, 50, new java.util.SplittableRandom(3))
                .members())
        .isEqualTo(g.members());
  }

  private static double dot(double[] a, int ai, double[] b, int bi, int d) {
    double s = 0;
    for (int c = 0; c < d; c++) {
      s += a[ai * d + c] * b[bi * d + c];
    }
    return s;
  }

  @Test
  void groupedSamplingIsOptInWithItsGroupsInTheCacheKey() {
    SyntheticConfig large =
        SyntheticConfig.builder()
            .optUsers(1000)
            .optItems(100_000)
            .optInteractionsPerUser(40)
            .build();
    // auto never takes it (the default law keeps the method it had)
    assertThat(SyntheticGenerator.resolve(large)).isNotEqualTo(GROUPED);
    assertThat(large.resolvedOptions()).doesNotContainKey("sampling-groups");
    SyntheticConfig grouped =
        SyntheticConfig.fromOptions(
            Options.of("data", Map.of("items", "100000", "sampling", "grouped")));
    assertThat(grouped.effectiveSamplingGroups()).isEqualTo(1000);
    assertThat(grouped.resolvedOptions())
        .containsEntry("sampling", "grouped")
        .containsEntry("sampling-groups", 1000);
    assertThat(
            SyntheticConfig.builder()
                .optItems(10_000_000)
                .optSampling(GROUPED)
                .build()
                .effectiveSamplingGroups())
        .isEqualTo(SyntheticConfig.MAX_AUTOMATIC_GROUPS);
    assertThat(
            SyntheticConfig.fromOptions(
                    Options.of("data", Map.of("sampling", "grouped", "sampling-groups", "7")))
                .resolvedOptions())
        .containsEntry("sampling-groups", 7);
    assertThatThrownBy(
            () -> SyntheticConfig.fromOptions(Options.of("data", Map.of("sampling-groups", "7"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.sampling-groups: is read by sampling: grouped only");
    assertThatThrownBy(
            () ->
                SyntheticConfig.fromOptions(
                    Options.of("data", Map.of("sampling", "grouped", "sampling-groups", "2001"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.sampling-groups: must be <= items (2000)");
    // k-means costs items x groups per pass: the key is capped
    assertThatThrownBy(
            () ->
                SyntheticConfig.fromOptions(
                    Options.of(
                        "data",
                        Map.of(
                            "items", "100000", "sampling", "grouped", "sampling-groups", "20000"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.sampling-groups: must be in");
  }

  @Test
  void clusteredAndRejectionDatasetsKeepTheirContent() {
    // generated before grouped sampling shared clustered sampling's code and both got the
    // exponent table: cached datasets depend on them
    SyntheticConfig.Builder b =
        SyntheticConfig.builder()
            .optUsers(1500)
            .optItems(300)
            .optInteractionsPerUser(10)
            .optAffinityTemperature(0.3);
    assertThat(
            SyntheticGenerator.generate(b.optItemClusters(20).optSampling(CLUSTERED).build())
                .content()
                .fingerprint())
        .isEqualTo("b35714e3a9626f685157044e5f52c1aec7b29b412c65eae6d282aba596ff56ba");
    assertThat(
            SyntheticGenerator.generate(b.optItemClusters(0).optSampling(REJECTION).build())
                .content()
                .fingerprint())
        .isEqualTo("41732fecfe6a18f54d2ccdc99cec48c2a282a16ee0b1820f2c238c46023e9c68");
  }

  /**
   * The same factors and popularity, drawn by the scan and by {@code method}: the expected number
   * of users of every item, and of every pair of items (which carries the user-item affinity), is
   * the same, so the counts differ by sampling noise only. {@code sparse} has users with two or
   * three of 40 items; in {@code dense} users draw up to 30 of them, so most exhaust the proposal
   * budget and finish with the scan over the items they do not hold, which continues the same law.
   */
  private static void assertDrawsTheLawOfTheScan(
      SyntheticConfig.Sampling method,
      SyntheticConfig.Builder sparse,
      SyntheticConfig.Builder dense) {
    DatasetContent scan = SyntheticGenerator.generate(sparse.optSampling(SCAN).build()).content();
    DatasetContent other =
        SyntheticGenerator.generate(sparse.optSampling(method).build()).content();
    // 40 items: about chi-square with 40 degrees of freedom, 99.9% below 73
    assertThat(chiSquare(itemCounts(scan), itemCounts(other))).isLessThan(73);
    // 780 pairs, correlated through users with three items: a wide margin over the mean of 780
    int[] scanPairs = pairCounts(scan);
    assertThat(chiSquare(scanPairs, pairCounts(other))).isLessThan(1.25 * 780);
    // without the affinity (a very high temperature) the pairs are far from the scan's
    DatasetContent popularityOnly =
        SyntheticGenerator.generate(sparse.optSampling(SCAN).optAffinityTemperature(1000).build())
            .content();
    assertThat(chiSquare(scanPairs, pairCounts(popularityOnly))).isGreaterThan(3 * 780);

    DatasetContent denseScan =
        SyntheticGenerator.generate(dense.optSampling(SCAN).build()).content();
    DatasetContent denseOther =
        SyntheticGenerator.generate(dense.optSampling(method).build()).content();
    assertThat(chiSquare(itemCounts(denseScan), itemCounts(denseOther))).isLessThan(73);
    assertThat(chiSquare(pairCounts(denseScan), pairCounts(denseOther))).isLessThan(1.25 * 780);
  }

  @Test
  void clusteredItemsAreAnOptInLawWithItsOwnCacheKey() {
    SyntheticConfig plain = SyntheticConfig.builder().optUsers(200).optItems(100).build();
    SyntheticConfig grouped =
        SyntheticConfig.builder().optUsers(200).optItems(100).optItemClusters(10).build();
    assertThat(plain.resolvedOptions()).doesNotContainKeys("item-clusters", "cluster-spread");
    assertThat(grouped.resolvedOptions())
        .containsEntry("item-clusters", 10)
        .containsEntry("cluster-spread", 0.3);
    assertThat(SyntheticGenerator.generate(grouped).content().fingerprint())
        .isNotEqualTo(SyntheticGenerator.generate(plain).content().fingerprint());
    // auto: cluster proposals once the scan is the dearer method
    SyntheticConfig large =
        SyntheticConfig.builder()
            .optUsers(1000)
            .optItems(100_000)
            .optInteractionsPerUser(40)
            .optItemClusters(1000)
            .build();
    assertThat(SyntheticGenerator.resolve(large)).isEqualTo(CLUSTERED);
    assertThat(large.resolvedOptions()).containsEntry("sampling", "clustered");
    assertThat(
            SyntheticConfig.fromOptions(
                    Options.of("data", Map.of("item-clusters", "8", "sampling", "clustered")))
                .itemClusters())
        .isEqualTo(8);
    assertThatThrownBy(
            () -> SyntheticConfig.fromOptions(Options.of("data", Map.of("sampling", "clustered"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.sampling")
        .hasMessageContaining("needs item-clusters > 0");
    assertThatThrownBy(
            () -> SyntheticConfig.fromOptions(Options.of("data", Map.of("item-clusters", "-1"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.item-clusters");
  }

  @Test
  void theDefaultDatasetIsTheOneEveryEarlierVersionGenerated() {
    // the embedded default's content fingerprint, as generated before the users were drawn in
    // parallel: runs, docs and cached datasets depend on it
    assertThat(SyntheticGenerator.generate(SyntheticConfig.defaults()).content().fingerprint())
        .isEqualTo("df5301467929cc720bcc42dcd97f69921de9e7567099a6fff3e53d76f95d4323");
  }

  @Test
  void theContentDoesNotDependOnTheThreadCount() throws Exception {
    for (SyntheticConfig.Sampling method : List.of(SCAN, REJECTION, CLUSTERED, GROUPED)) {
      SyntheticConfig c =
          SyntheticConfig.builder()
              .optUsers(1500) // three parallel blocks
              // grouped: k-means assigns items in blocks of 1024, so more than two blocks
              .optItems(method == GROUPED ? 3000 : 300)
              .optInteractionsPerUser(10)
              .optAffinityTemperature(0.3)
              .optItemClusters(method == CLUSTERED ? 20 : 0)
              .optSampling(method)
              .build();
      String parallel = SyntheticGenerator.generate(c).content().fingerprint();
      ForkJoinPool one = new ForkJoinPool(1);
      try {
        String single =
            one.submit(() -> SyntheticGenerator.generate(c)).get().content().fingerprint();
        assertThat(single).as(method.toString()).isEqualTo(parallel);
      } finally {
        one.shutdown();
      }
    }
  }

  @Test
  void acceptanceIsTheMeanOfExpCosineOverRandomDirections() {
    assertThat(SyntheticGenerator.acceptance(1, 0.5))
        .isCloseTo(0.5 * (1 + Math.exp(-4)), within(1e-12));
    SplittableRandom r = new SplittableRandom(9);
    for (int d : new int[] {2, 3, 16}) {
      double t = 0.2;
      double sum = 0;
      int n = 400_000;
      for (int k = 0; k < n; k++) {
        sum += Math.exp((cosine(r, d) - 1) / t);
      }
      assertThat(SyntheticGenerator.acceptance(d, t))
          .as("d=%d", d)
          .isCloseTo(sum / n, withinPercentage(3));
    }
  }

  @Test
  void autoPicksTheCheaperMethodAndKeepsTheCacheKeyOfTheScan() {
    assertThat(SyntheticGenerator.resolve(SyntheticConfig.defaults())).isEqualTo(SCAN);
    assertThat(SyntheticConfig.defaults().resolvedOptions()).doesNotContainKey("sampling");
    // a million items: the scan's cost grows with them, rejection's does not
    SyntheticConfig large =
        SyntheticConfig.builder()
            .optUsers(1000)
            .optItems(1_000_000)
            .optInteractionsPerUser(40)
            .build();
    assertThat(SyntheticGenerator.resolve(large)).isEqualTo(REJECTION);
    assertThat(large.resolvedOptions()).containsEntry("sampling", "rejection");
    // a higher temperature accepts more proposals: rejection already at 20,000 items
    assertThat(
            SyntheticGenerator.resolve(
                SyntheticConfig.builder()
                    .optItems(20_000)
                    .optInteractionsPerUser(40)
                    .optAffinityTemperature(0.2)
                    .build()))
        .isEqualTo(REJECTION);
    // users who take most of the items: the scan
    assertThat(
            SyntheticGenerator.resolve(
                SyntheticConfig.builder().optItems(100).optInteractionsPerUser(90).build()))
        .isEqualTo(SCAN);
    SyntheticConfig hopeless =
        SyntheticConfig.builder().optAffinityTemperature(0.001).optSampling(REJECTION).build();
    assertThatThrownBy(() -> SyntheticGenerator.resolve(hopeless))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use sampling: scan");
    assertThat(
            SyntheticConfig.fromOptions(Options.of("data", Map.of("sampling", "rejection")))
                .sampling())
        .isEqualTo(REJECTION);
    assertThatThrownBy(
            () -> SyntheticConfig.fromOptions(Options.of("data", Map.of("sampling", "gumbel"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.sampling: must be auto, scan, rejection, clustered or grouped");
    assertThatThrownBy(
            () ->
                SyntheticConfig.fromOptions(
                    Options.of(
                        "data", Map.of("sampling", "rejection", "affinity-temperature", 0.001))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.sampling: ")
        .hasMessageContaining("use sampling: scan");
  }

  /** {@code sum (a - b)^2 / (a + b)} over the cells where either count is positive. */
  private static double chiSquare(int[] a, int[] b) {
    double chi2 = 0;
    for (int i = 0; i < a.length; i++) {
      if (a[i] + b[i] > 0) {
        double diff = a[i] - b[i];
        chi2 += diff * diff / (a[i] + b[i]);
      }
    }
    return chi2;
  }

  /** How many users hold each pair of items {@code i < j} (train and test together). */
  private static int[] pairCounts(DatasetContent c) {
    int n = c.numItems();
    List<List<Integer>> byUser = new java.util.ArrayList<>();
    for (int u = 0; u < c.numUsers(); u++) {
      byUser.add(new java.util.ArrayList<>());
    }
    for (var split : List.of(c.train(), c.test())) {
      for (int r = 0; r < split.size(); r++) {
        byUser.get(split.userIds()[r]).add(split.itemIds()[r]);
      }
    }
    int[] pairs = new int[n * n];
    for (List<Integer> items : byUser) {
      for (int x : items) {
        for (int y : items) {
          if (x < y) {
            pairs[x * n + y]++;
          }
        }
      }
    }
    return pairs;
  }

  private static int[] itemCounts(DatasetContent c) {
    int[] counts = new int[c.numItems()];
    for (int i : c.train().itemIds()) {
      counts[i]++;
    }
    for (int i : c.test().itemIds()) {
      counts[i]++;
    }
    return counts;
  }

  /** The cosine between two independent uniform directions in {@code d} dimensions. */
  private static double cosine(SplittableRandom r, int d) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int k = 0; k < d; k++) {
      double a = gaussian(r);
      double b = gaussian(r);
      dot += a * b;
      na += a * a;
      nb += b * b;
    }
    return dot / Math.sqrt(na * nb);
  }

  private static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
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
