package io.cbns.serving.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.serving.TestingTowers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestHnswIndex {
  private static final int N = 4000;
  private static final int D = 16;

  @TempDir Path tmp;

  /** Items around 40 centres, as trained embeddings cluster, so that the graph has structure. */
  static float[] clustered(int n, int d, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] centres = TestingTowers.randomTable(40, d, seed + 1);
    float[] out = new float[n * d];
    for (int i = 0; i < n; i++) {
      int c = random.nextInt(40);
      double norm = 0;
      for (int j = 0; j < d; j++) {
        double x = centres[c * d + j] + 0.3 * (random.nextDouble() * 2 - 1);
        out[i * d + j] = (float) x;
        norm += x * x;
      }
      for (int j = 0; j < d; j++) {
        out[i * d + j] /= (float) Math.sqrt(norm);
      }
    }
    return out;
  }

  @Test
  void findsAlmostAllOfTheExactTopKWithExactScoresAndNeverAnExcludedItem() {
    float[] items = clustered(N, D, 5);
    ItemEmbeddings e = new ItemEmbeddings(N, D, items);
    Path dir = tmp.resolve("index");
    HnswIndex.Description d = HnswIndex.build(e, new HnswSettings(16, 100), "test-source", dir);
    assertThat(d.numItems()).isEqualTo(N);
    assertThat(dir.resolve(HnswIndex.DESCRIPTION_FILE)).exists();
    ExactIndex exact = new ExactIndex(e);
    float[] queries = clustered(200, D, 6);
    Exclusion[] exclusions = new Exclusion[200];
    for (int q = 0; q < 200; q++) {
      // exclude the true best 3 and 20 others: the filter must work inside the graph walk
      ScoredItems best = exact.search(TestExactIndex.row(queries, q, D), 3, Exclusion.NONE);
      int[] ex = new int[23];
      System.arraycopy(best.items(), 0, ex, 0, 3);
      for (int i = 3; i < 23; i++) {
        ex[i] = (q * 31 + i * 97) % N;
      }
      exclusions[q] = Exclusion.of(ex);
    }
    ScoredItems[] truth = exact.search(queries, 10, exclusions, false);
    try (HnswIndex hnsw = HnswIndex.open(dir, e, "test-source", 100)) {
      ScoredItems[] found = hnsw.search(queries, 10, exclusions, true);
      long hits = 0;
      for (int q = 0; q < 200; q++) {
        assertThat(found[q].items()).hasSize(10);
        for (int i = 0; i < 10; i++) {
          int item = found[q].items()[i];
          assertThat(exclusions[q].contains(item))
              .as("query %d returned excluded %d", q, item)
              .isFalse();
          assertThat(found[q].scores()[i]).isEqualTo(e.dot(queries, q * D, item));
        }
        int[] t = truth[q].items();
        hits += Arrays.stream(found[q].items()).filter(i -> contains(t, i)).count();
      }
      double recall = hits / 2000.0;
      assertThat(recall).isGreaterThan(0.95);
      assertThat(hnsw.describe()).isEqualTo("hnsw(m=16, beam-width=100, ef=100)");
    }
  }

  @Test
  void aLargerSearchBeamFindsMore() {
    float[] items = clustered(N, D, 8);
    ItemEmbeddings e = new ItemEmbeddings(N, D, items);
    Path dir = tmp.resolve("small-graph");
    HnswIndex.build(e, new HnswSettings(4, 8), "s", dir);
    float[] queries = clustered(300, D, 9);
    Exclusion[] none = new Exclusion[300];
    Arrays.fill(none, Exclusion.NONE);
    ScoredItems[] truth = new ExactIndex(e).search(queries, 10, none, false);
    double[] recall = new double[2];
    int[] efs = {10, 200};
    for (int r = 0; r < 2; r++) {
      try (HnswIndex hnsw = HnswIndex.open(dir, e, "s", efs[r])) {
        ScoredItems[] found = hnsw.search(queries, 10, none, false);
        long hits = 0;
        for (int q = 0; q < 300; q++) {
          int[] t = truth[q].items();
          hits += Arrays.stream(found[q].items()).filter(i -> contains(t, i)).count();
        }
        recall[r] = hits / 3000.0;
      }
    }
    assertThat(recall[1]).isGreaterThan(recall[0]);
  }

  @Test
  void anIndexOfOtherEmbeddingsIsRefused() {
    ItemEmbeddings e = new ItemEmbeddings(50, 4, TestingTowers.randomTable(50, 4, 1));
    Path dir = tmp.resolve("i");
    HnswIndex.build(e, HnswSettings.DEFAULT, "sha256:aaa of item_tower.onnx", dir);
    assertThatThrownBy(() -> HnswIndex.open(dir, e, "sha256:bbb of item_tower.onnx", 10))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("was built from other item embeddings")
        .hasMessageContaining("./cbns index");
    ItemEmbeddings fewer = new ItemEmbeddings(40, 4, TestingTowers.randomTable(40, 4, 1));
    assertThatThrownBy(() -> HnswIndex.open(dir, fewer, "sha256:aaa of item_tower.onnx", 10))
        .hasMessageContaining("indexes 50 items of dimension 4, the towers give 40");
    assertThatThrownBy(() -> HnswIndex.open(tmp.resolve("none"), e, "x", 10))
        .hasMessageContaining("is not an HNSW index");
  }

  @Test
  void aRebuildReplacesTheIndexWholeAndLeavesNoTemporaryDirectory() throws IOException {
    ItemEmbeddings a = new ItemEmbeddings(30, 4, TestingTowers.randomTable(30, 4, 1));
    ItemEmbeddings b = new ItemEmbeddings(60, 4, TestingTowers.randomTable(60, 4, 2));
    Path dir = tmp.resolve("idx");
    HnswIndex.build(a, HnswSettings.DEFAULT, "a", dir);
    HnswIndex.build(b, new HnswSettings(8, 50), "b", dir);
    try (HnswIndex index = HnswIndex.open(dir, b, "b", 10)) {
      assertThat(index.numItems()).isEqualTo(60);
      assertThat(index.description().settings()).isEqualTo(new HnswSettings(8, 50));
    }
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("idx");
    }
  }

  private static boolean contains(int[] a, int x) {
    for (int v : a) {
      if (v == x) {
        return true;
      }
    }
    return false;
  }
}
