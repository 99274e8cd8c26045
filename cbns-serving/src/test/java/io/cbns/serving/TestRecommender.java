package io.cbns.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.OnnxContract;
import io.cbns.serving.Recommender.Recommendation;
import io.cbns.serving.index.HnswIndex;
import io.cbns.serving.index.HnswSettings;
import io.cbns.serving.index.ItemEmbeddings;
import io.cbns.serving.onnx.OnnxTowers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestRecommender {
  static final int USERS = 50;
  static final int ITEMS = 300;
  static final int D = 8;

  @TempDir static Path tmp;
  static float[] users;
  static float[] items;
  static CsrMatrix train;

  @BeforeAll
  static void writeTowers() throws IOException {
    users = TestingTowers.randomTable(USERS, D, 11);
    items = TestingTowers.randomTable(ITEMS, D, 12);
    train = randomTrain(USERS, ITEMS, 13);
    TestingTowers.write(tmp.resolve("onnx"), users, items, D, "fp");
  }

  /** Each user has 5 to 30 train items. */
  static CsrMatrix randomTrain(int numUsers, int numItems, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<int[]> pairs = new ArrayList<>();
    for (int u = 0; u < numUsers; u++) {
      int n = 5 + random.nextInt(26);
      for (int i = 0; i < n; i++) {
        pairs.add(new int[] {u, random.nextInt(numItems)});
      }
    }
    return CsrMatrix.fromPairs(
        numUsers,
        numItems,
        pairs.stream().mapToInt(p -> p[0]).toArray(),
        pairs.stream().mapToInt(p -> p[1]).toArray());
  }

  static OnnxTowers towers(Path onnx) {
    return OnnxTowers.builder()
        .setUserTower(onnx.resolve(OnnxContract.USER_TOWER_FILE))
        .setItemTower(onnx.resolve(OnnxContract.ITEM_TOWER_FILE))
        .setTrainByUser(train)
        .optDatasetFingerprint("fp")
        .optProvider(Provider.CPU)
        .optBatchSize(7) // several ONNX Runtime calls per encoding
        .build();
  }

  private static Recommender exact() {
    return Recommender.builder()
        .setTowers(towers(tmp.resolve("onnx")))
        .setTrainByUser(train)
        .build();
  }

  @Test
  void recommendsTheTopDotProductsWithoutTheUsersTrainItems() {
    try (Recommender r = exact()) {
      assertThat(r.index().describe()).isEqualTo("exact");
      assertThat(r.provider()).isEqualTo("CPU");
      long[] all = new long[USERS];
      for (int u = 0; u < USERS; u++) {
        all[u] = u;
      }
      List<Recommendation> recs = r.recommend(all, 10);
      for (int u = 0; u < USERS; u++) {
        float[] query = TestingTowers.randomTable(0, D, 0);
        query = java.util.Arrays.copyOfRange(users, u * D, u * D + D);
        int[] expected = TestingTowers.bruteForce(query, items, D, 10, train.row(u));
        Recommendation rec = recs.get(u);
        assertThat(rec.user()).isEqualTo(u);
        assertThat(rec.items()).as("user %d", u).containsExactly(expected);
        for (int i = 0; i < expected.length; i++) {
          assertThat(rec.scores()[i]).isEqualTo(TestingTowers.dot(query, items, D, expected[i]));
          assertThat(train.contains(u, rec.items()[i])).isFalse();
        }
      }
      assertThat(r.userEmbeddings(new long[] {3}))
          .containsExactly(java.util.Arrays.copyOfRange(users, 3 * D, 4 * D));
      assertThat(r.itemEmbeddings()).containsExactly(items);
    }
  }

  @Test
  void kBeyondTheCatalogueGivesEveryItemTheUserHasNotSeen() {
    try (Recommender r = exact()) {
      Recommendation rec = r.recommend(new long[] {4}, ITEMS + 100).get(0);
      assertThat(rec.items()).hasSize(ITEMS - train.rowLength(4));
      assertThat(r.trainItems(4)).isEqualTo(train.rowLength(4));
    }
  }

  @Test
  void aQueryVectorExcludesNothingAndIsChecked() {
    try (Recommender r = exact()) {
      float[] v = TestingTowers.randomTable(1, D, 99);
      Recommendation rec = r.recommendForVector(v, 5);
      assertThat(rec.items()).containsExactly(TestingTowers.bruteForce(v, items, D, 5, new int[0]));
      assertThatThrownBy(() -> r.recommendForVector(new float[D + 1], 5))
          .hasMessageContaining("the vector has 9 values, the towers' dimension is 8");
      float[] nan = v.clone();
      nan[2] = Float.NaN;
      assertThatThrownBy(() -> r.recommendForVector(nan, 5)).hasMessageContaining("value 2 is NaN");
    }
  }

  @Test
  void unknownUsersAreRejected() {
    try (Recommender r = exact()) {
      assertThatThrownBy(() -> r.recommend(new long[] {USERS}, 5))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("unknown user id 50: the model knows users 0..49");
      assertThatThrownBy(() -> r.recommend(new long[] {0}, 0)).hasMessageContaining("k must be");
    }
  }

  @Test
  void anHnswIndexOfTheSameItemTowerAnswersLikeTheExactSearch() {
    Path onnx = tmp.resolve("onnx");
    Path index = tmp.resolve("hnsw");
    HnswIndex.build(
        new ItemEmbeddings(ITEMS, D, items),
        HnswSettings.DEFAULT,
        HnswIndex.sourceOf(onnx.resolve(OnnxContract.ITEM_TOWER_FILE)),
        index);
    long[] all = new long[USERS];
    for (int u = 0; u < USERS; u++) {
      all[u] = u;
    }
    try (Recommender exact = exact();
        Recommender ann =
            Recommender.builder()
                .setTowers(towers(onnx))
                .setTrainByUser(train)
                .optHnswIndex(index)
                .optEfSearch(200)
                .build()) {
      assertThat(ann.index().describe()).startsWith("hnsw(m=16, beam-width=100, ef=200)");
      List<Recommendation> a = ann.recommend(all, 10);
      List<Recommendation> e = exact.recommend(all, 10);
      long same = 0;
      for (int u = 0; u < USERS; u++) {
        for (int item : a.get(u).items()) {
          assertThat(train.contains(u, item)).isFalse();
          for (int x : e.get(u).items()) {
            same += x == item ? 1 : 0;
          }
        }
      }
      // 300 items and a beam of 200: the graph walk sees nearly everything
      assertThat(same / (double) (USERS * 10)).isGreaterThanOrEqualTo(0.99);
    }
  }

  @Test
  void anIndexBuiltFromAnotherItemTowerIsRefused() throws IOException {
    Path other = tmp.resolve("other-onnx");
    float[] otherItems = TestingTowers.randomTable(ITEMS, D, 77);
    TestingTowers.write(other, users, otherItems, D, "fp");
    Path index = tmp.resolve("stale");
    HnswIndex.build(
        new ItemEmbeddings(ITEMS, D, otherItems),
        HnswSettings.DEFAULT,
        HnswIndex.sourceOf(other.resolve(OnnxContract.ITEM_TOWER_FILE)),
        index);
    assertThatThrownBy(
            () ->
                Recommender.builder()
                    .setTowers(towers(tmp.resolve("onnx")))
                    .setTrainByUser(train)
                    .optHnswIndex(index)
                    .build())
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("was built from other item embeddings")
        .hasMessageContaining("--exact");
  }
}
