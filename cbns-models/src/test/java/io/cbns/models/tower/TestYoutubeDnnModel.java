package io.cbns.models.tower;

import static io.cbns.models.tower.TestMatrixFactorizationModel.param;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.CsrMatrix;
import io.cbns.models.TestingTowers;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestYoutubeDnnModel {
  // user 0: {0, 1, 2}; user 1: nothing; user 2: {1, 3, 4, 5}
  private static final CsrMatrix TINY =
      CsrMatrix.fromPairs(3, 6, new int[] {0, 0, 0, 2, 2, 2, 2}, new int[] {0, 1, 2, 1, 3, 4, 5});

  private static YoutubeDnnModel.Config linear(int historyLength, int d) {
    return new YoutubeDnnModel.Config(historyLength, false, List.of(), 0.0, false, true, d, 0.1);
  }

  @Test
  void poolsTheHistoryWithoutTheTarget() {
    try (NDManager m = NDManager.newBaseManager();
        YoutubeDnnModel model =
            YoutubeDnnModel.create(TestingTowers.context(m, TINY, 4, false, 9), linear(10, 4))) {
      ParameterStore ps = new ParameterStore(m, false);
      NDArray users = m.create(new long[] {0, 0, 1});
      float[] train =
          model.encodeUsers(ps, users, m.create(new long[] {1, 5, 2}), true).toFloatArray();
      float[] infer = model.encodeUsers(ps, users, null, false).toFloatArray();
      assertClose(row(train, 0, 4), expected(model, new int[] {0, 2}));
      assertClose(row(train, 1, 4), expected(model, new int[] {0, 1, 2})); // 5 is not in it
      assertClose(row(infer, 0, 4), expected(model, new int[] {0, 1, 2}));
      // an empty pool is a zero vector, so the output is the last layer's bias
      assertClose(row(train, 2, 4), expected(model, new int[0]));
      assertClose(row(infer, 2, 4), param(model, "user_mlp_0_bias").toFloatArray());
    }
  }

  @Test
  void capsTheHistoryDeterministically() {
    try (NDManager m = NDManager.newBaseManager();
        YoutubeDnnModel model =
            YoutubeDnnModel.create(TestingTowers.context(m, TINY, 4, false, 9), linear(3, 4))) {
      UserHistories h = model.histories();
      assertThat(h.length(0)).isEqualTo(3);
      assertThat(h.length(1)).isZero();
      assertThat(h.length(2)).isEqualTo(3);
      assertThat(h.items(2)).isSorted().doesNotHaveDuplicates();
      assertThat(Arrays.stream(h.items(2)).boxed()).isSubsetOf(1, 3, 4, 5);
      ParameterStore ps = new ParameterStore(m, false);
      float[] out = model.encodeUsers(ps, m.create(new long[] {2}), null, false).toFloatArray();
      assertClose(out, expected(model, h.items(2)));
    }
    // the subset is a property of the data and the cap, not of the model's seed
    try (NDManager m = NDManager.newBaseManager();
        YoutubeDnnModel other =
            YoutubeDnnModel.create(TestingTowers.context(m, TINY, 4, false, 10), linear(3, 4))) {
      assertThat(other.histories().items(2)).isEqualTo(UserHistories.select(TINY, 3).items(2));
    }
  }

  @Test
  void optionalPartsAddTheirParameters() {
    CsrMatrix train = TestingTowers.toyHistories(8, 10, 3);
    YoutubeDnnModel.Config config =
        new YoutubeDnnModel.Config(5, true, List.of(16, 8), 0.5, true, false, 6, 0.1);
    try (NDManager m = NDManager.newBaseManager();
        YoutubeDnnModel model =
            YoutubeDnnModel.create(TestingTowers.context(m, train, 4, true, 1), config)) {
      assertThat(model.getParameters().keys())
          .containsExactlyInAnyOrder(
              "item_embedding",
              "history_item_embedding",
              "user_embedding",
              "user_mlp_0_weight",
              "user_mlp_0_bias",
              "user_mlp_1_weight",
              "user_mlp_1_bias",
              "user_mlp_2_weight",
              "user_mlp_2_bias",
              "item_mlp_0_weight",
              "item_mlp_0_bias",
              "item_mlp_1_weight",
              "item_mlp_1_bias",
              "item_mlp_2_weight",
              "item_mlp_2_bias");
      assertThat(param(model, "user_mlp_0_weight").getShape()).isEqualTo(new Shape(16, 12));
      assertThat(param(model, "item_mlp_2_weight").getShape()).isEqualTo(new Shape(4, 8));
      assertThat(model.cheapItemReencoding()).isFalse();
      ParameterStore ps = new ParameterStore(m, false);
      NDArray users = m.create(new long[] {0, 1, 2, 3});
      NDArray items = m.create(new long[] {0, 3, 6, 9});
      NDArray u = model.encodeUsers(ps, users, null, false);
      NDArray v = model.encodeItems(ps, items, false);
      assertThat(u.getShape()).isEqualTo(new Shape(4, 4));
      assertThat(v.getShape()).isEqualTo(new Shape(4, 4));
      for (float n : u.norm(new int[] {1}).toFloatArray()) {
        assertThat(n).isCloseTo(1f, within(1e-5f));
      }
      // dropout acts in training only
      assertThat(model.encodeUsers(ps, users, null, false).toFloatArray())
          .isEqualTo(u.toFloatArray());
      assertThat(model.encodeUsers(ps, users, null, true).toFloatArray())
          .isNotEqualTo(u.toFloatArray());
    }
  }

  @Test
  void sameSeedGivesBitIdenticalParameters() {
    CsrMatrix train = TestingTowers.toyHistories(8, 10, 3);
    YoutubeDnnModel.Config config =
        new YoutubeDnnModel.Config(5, true, List.of(16), 0.0, true, false, 6, 0.1);
    try (NDManager m = NDManager.newBaseManager();
        YoutubeDnnModel a =
            YoutubeDnnModel.create(TestingTowers.context(m, train, 4, true, 21), config);
        YoutubeDnnModel b =
            YoutubeDnnModel.create(TestingTowers.context(m, train, 4, true, 21), config);
        YoutubeDnnModel c =
            YoutubeDnnModel.create(TestingTowers.context(m, train, 4, true, 22), config)) {
      for (String name : a.getParameters().keys()) {
        float[] values = param(a, name).toFloatArray();
        assertThat(param(b, name).toFloatArray()).as(name).isEqualTo(values);
        if (!name.endsWith("_bias")) {
          assertThat(param(c, name).toFloatArray()).as(name).isNotEqualTo(values);
        }
      }
    }
  }

  @Test
  void stepsAndInferenceLeaveNothingOnTheModelsManager() {
    CsrMatrix train = TestingTowers.toyHistories(12, 18, 4);
    YoutubeDnnModel.Config everything =
        new YoutubeDnnModel.Config(5, true, List.of(16, 8), 0.5, true, false, 6, 0.1);
    for (YoutubeDnnModel.Config config : List.of(YoutubeDnnModel.Config.defaults(8), everything)) {
      try (NDManager m = NDManager.newBaseManager();
          NDManager models = m.newSubManager();
          YoutubeDnnModel model =
              YoutubeDnnModel.create(TestingTowers.context(models, train, 8, true, 3), config)) {
        long[][] pairs = TestingTowers.pairs(train);
        ParameterStore ps = TestingTowers.adamStore(models, 0.02f);
        TestingTowers.trainLeavingNothingOnTheModelsManager(
            model, ps, m, models, pairs, 16, 6, 0.2, config.toString());
      }
    }
  }

  @Test
  void trainingLowersTheLoss() {
    CsrMatrix train = TestingTowers.toyHistories(12, 18, 4);
    try (NDManager m = NDManager.newBaseManager();
        YoutubeDnnModel model =
            YoutubeDnnModel.create(
                TestingTowers.context(m, train, 8, true, 3), YoutubeDnnModel.Config.defaults(8))) {
      long[][] pairs = TestingTowers.pairs(train);
      ParameterStore ps = TestingTowers.adamStore(m, 0.02f);
      float before = TestingTowers.step(model, ps, m, pairs[0], pairs[1], 0.2, false);
      TestingTowers.train(model, ps, m, pairs, 16, 40, 0.2, 5);
      float after = TestingTowers.step(model, ps, m, pairs[0], pairs[1], 0.2, false);
      assertThat(after).isLessThan(before * 0.7f);
    }
  }

  @Test
  void badOptionsNameTheKey() {
    assertBad(Map.of("embedding-dim", 6), "model.embedding-dim");
    assertBad(Map.of("hidden", List.of(0, 5)), "model.hidden");
    assertBad(Map.of("hidden", List.of()), "model.hidden");
    assertBad(Map.of("dropout", 2.0), "model.dropout");
    assertBad(Map.of("history-length", 0), "model.history-length");
    assertBad(Map.of("user-id-embedding", "maybe"), "model.user-id-embedding");
    assertBad(Map.of("init-std", 0), "model.init-std");
  }

  @Test
  void noHiddenLayerIsSpelledZero() {
    try (NDManager m = NDManager.newBaseManager()) {
      Options options = Options.of("model", Map.of("hidden", List.of(0), "item-mlp", true));
      YoutubeDnnModel.Config config =
          YoutubeDnnFactory.readConfig(TestingTowers.context(m, TINY, 4, false, 1), options);
      assertThat(config.hidden()).isEmpty();
      assertThat(config.itemMlp()).isTrue();
      options.requireAllConsumed();
    }
  }

  private static void assertBad(Map<String, Object> values, String key) {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(
              () ->
                  new YoutubeDnnFactory()
                      .create(
                          TestingTowers.context(m, TINY, 4, false, 1), Options.of("model", values)))
          .as(key)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(key);
    }
  }

  /** W mean(item_embedding[pool]) + b, computed on the host. */
  private static float[] expected(YoutubeDnnModel model, int[] pool) {
    int e = model.config().embeddingDim();
    float[] table = param(model, "item_embedding").toFloatArray();
    float[] w = param(model, "user_mlp_0_weight").toFloatArray();
    float[] b = param(model, "user_mlp_0_bias").toFloatArray();
    double[] mean = new double[e];
    for (int item : pool) {
      for (int k = 0; k < e; k++) {
        mean[k] += table[item * e + k] / (double) pool.length;
      }
    }
    int d = model.dimension();
    float[] out = new float[d];
    for (int o = 0; o < d; o++) {
      double s = b[o];
      for (int k = 0; k < e; k++) {
        s += w[o * e + k] * mean[k];
      }
      out[o] = (float) s;
    }
    return out;
  }

  private static float[] row(float[] values, int r, int d) {
    return Arrays.copyOfRange(values, r * d, (r + 1) * d);
  }

  private static void assertClose(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < actual.length; i++) {
      assertThat(actual[i]).as("entry %d", i).isCloseTo(expected[i], within(1e-5f));
    }
  }
}
