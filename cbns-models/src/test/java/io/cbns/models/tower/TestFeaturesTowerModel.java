package io.cbns.models.tower;

import static io.cbns.models.tower.TestMatrixFactorizationModel.param;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.FeatureTable;
import io.cbns.models.TestingTowers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestFeaturesTowerModel {
  // items 0..9 occur in train; items 10 and 11 never do
  private static final CsrMatrix TRAIN = TestingTowers.toyHistories(6, 12, 3);
  private static final FeatureTable ITEMS = TestingTowers.toyItemFeatures(12);

  private static FeaturesTowerModel.Config config(boolean itemId) {
    return new FeaturesTowerModel.Config(
        4, List.of(8), 0.0, itemId, FeaturesTowerModel.UserFeatures.AUTO, 0.1);
  }

  @Test
  void encodesShapesAndParameters() {
    try (NDManager m = NDManager.newBaseManager();
        FeaturesTowerModel model =
            FeaturesTowerModel.create(
                TestingTowers.featureContext(m, TRAIN, 6, true, 3, ITEMS, null), config(false))) {
      assertThat(model.getParameters().keys())
          .containsExactlyInAnyOrder(
              "item_feature_0_embedding",
              "item_feature_1_embedding",
              "item_mlp_0_weight",
              "item_mlp_0_bias",
              "item_mlp_1_weight",
              "item_mlp_1_bias",
              "user_embedding");
      assertThat(param(model, "item_mlp_0_weight").getShape()).isEqualTo(new Shape(8, 4 + 4 + 2));
      assertThat(model.cheapItemReencoding()).isFalse();
      ParameterStore ps = new ParameterStore(m, false);
      NDArray items = model.encodeItems(ps, m.create(new long[] {0, 2, 11}), false);
      assertThat(items.getShape()).isEqualTo(new Shape(3, 6));
      assertThat(items.norm(new int[] {1}).toFloatArray())
          .containsExactly(new float[] {1f, 1f, 1f}, org.assertj.core.data.Offset.offset(1e-5f));
      assertThat(model.encodeUsers(ps, m.create(new long[] {1, 4}), null, false).getShape())
          .isEqualTo(new Shape(2, 6));
    }
  }

  @Test
  void seededInitIsReproducibleAndSeedDependent() {
    try (NDManager m = NDManager.newBaseManager();
        FeaturesTowerModel a =
            FeaturesTowerModel.create(
                TestingTowers.featureContext(m, TRAIN, 6, false, 3, ITEMS, null), config(false));
        FeaturesTowerModel b =
            FeaturesTowerModel.create(
                TestingTowers.featureContext(m, TRAIN, 6, false, 3, ITEMS, null), config(false));
        FeaturesTowerModel c =
            FeaturesTowerModel.create(
                TestingTowers.featureContext(m, TRAIN, 6, false, 4, ITEMS, null), config(false))) {
      for (String p : List.of("item_feature_1_embedding", "item_mlp_0_weight")) {
        assertThat(param(a, p).toFloatArray()).isEqualTo(param(b, p).toFloatArray());
        assertThat(param(a, p).toFloatArray()).isNotEqualTo(param(c, p).toFloatArray());
      }
    }
  }

  @Test
  void unseenItemGetsItsFeatureEmbedding() {
    try (NDManager m = NDManager.newBaseManager();
        FeaturesTowerModel model =
            FeaturesTowerModel.create(
                TestingTowers.featureContext(m, TRAIN, 6, false, 3, ITEMS, null), config(false))) {
      ParameterStore ps = new ParameterStore(m, false);
      // item 11 has genre 2, no tags, vec (0.75, -4/7); item 2 has genre 2, no tags, vec (0.5,
      // -2/7)
      float[] unseen = model.encodeItems(ps, m.create(new long[] {11}), false).toFloatArray();
      float[] bias = param(model, "item_mlp_1_bias").toFloatArray();
      assertThat(unseen).isNotEqualTo(bias);
      double norm = 0;
      for (float x : unseen) {
        norm += x * x;
      }
      assertThat(norm).isGreaterThan(1e-6);
      // the encoding depends on the rows only, not on the rest of the batch (padding length)
      float[] a = model.encodeItems(ps, m.create(new long[] {0}), false).toFloatArray();
      float[] again = model.encodeItems(ps, m.create(new long[] {11, 0}), false).toFloatArray();
      assertThat(java.util.Arrays.copyOfRange(again, 6, 12))
          .containsExactly(a, org.assertj.core.data.Offset.offset(1e-6f));
      assertThat(java.util.Arrays.copyOfRange(again, 0, 6))
          .containsExactly(unseen, org.assertj.core.data.Offset.offset(1e-6f));
    }
  }

  @Test
  void stepsAndInferenceLeaveNothingOnTheModelsManager() {
    for (boolean itemId : new boolean[] {false, true}) {
      try (NDManager m = NDManager.newBaseManager();
          NDManager models = m.newSubManager();
          FeaturesTowerModel model =
              FeaturesTowerModel.create(
                  TestingTowers.featureContext(models, TRAIN, 6, true, 3, ITEMS, null),
                  config(itemId))) {
        long[][] pairs = TestingTowers.pairs(TRAIN);
        ParameterStore ps = TestingTowers.adamStore(models, 0.02f);
        TestingTowers.trainLeavingNothingOnTheModelsManager(
            model, ps, m, models, pairs, 8, 6, 0.2, "itemId=" + itemId);
      }
    }
  }

  @Test
  void gradientFlowsToFeatureEmbeddingsAndTrainingLowersTheLoss() {
    try (NDManager m = NDManager.newBaseManager();
        FeaturesTowerModel model =
            FeaturesTowerModel.create(
                TestingTowers.featureContext(m, TRAIN, 6, true, 3, ITEMS, null), config(false))) {
      ParameterStore ps = new ParameterStore(m, false);
      try (NDManager step = m.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray v = model.encodeItems(ps, step.create(new long[] {0, 1, 4}), true);
        gc.backward(v.mul(step.create(new float[] {1, -2, 3, 1, 0.5f, 2}).reshape(1, 6)).sum());
      }
      NDArray genreGrad = param(model, "item_feature_0_embedding").getGradient();
      NDArray tagGrad = param(model, "item_feature_1_embedding").getGradient();
      // genres 0 and 1 are used (items 0, 1, 4), genre 2 is not
      float[] g = genreGrad.toFloatArray();
      assertThat(absSum(g, 0, 4)).isGreaterThan(0);
      assertThat(absSum(g, 4, 8)).isGreaterThan(0);
      assertThat(absSum(g, 8, 12)).isZero();
      assertThat(absSum(tagGrad.toFloatArray(), 0, 20)).isGreaterThan(0);

      ParameterStore adam = TestingTowers.adamStore(m, 0.05f);
      long[][] pairs = TestingTowers.pairs(TRAIN);
      float before = TestingTowers.step(model, adam, m, pairs[0], pairs[1], 0.2, false);
      TestingTowers.train(model, adam, m, pairs, 12, 30, 0.2, 5);
      float after = TestingTowers.step(model, adam, m, pairs[0], pairs[1], 0.2, false);
      assertThat(after).isLessThan(before);
    }
  }

  @Test
  void itemIdEmbeddingAndUserFeaturesAddParameters() {
    FeatureTable users = TestingTowers.toyItemFeatures(6);
    try (NDManager m = NDManager.newBaseManager();
        FeaturesTowerModel model =
            FeaturesTowerModel.create(
                TestingTowers.featureContext(m, TRAIN, 6, false, 3, ITEMS, users), config(true))) {
      assertThat(model.getParameters().keys())
          .contains("item_embedding", "user_feature_0_embedding", "user_mlp_0_weight")
          .doesNotContain("user_embedding");
      assertThat(model.userFeatures()).isPresent();
      ParameterStore ps = new ParameterStore(m, false);
      assertThat(model.encodeUsers(ps, m.create(new long[] {0, 5}), null, false).getShape())
          .isEqualTo(new Shape(2, 6));
      assertThat(model.encodeItems(ps, m.create(new long[] {3}), false).getShape())
          .isEqualTo(new Shape(1, 6));
    }
  }

  @Test
  void factoryReadsOptionsAndExplainsMissingFeatures() {
    Options options =
        Options.of(
            "model",
            Map.of(
                "embedding-dim",
                8,
                "hidden",
                List.of(0),
                "dropout",
                0.2,
                "item-id-embedding",
                true,
                "user-features",
                "false"));
    FeaturesTowerModel.Config c = FeaturesTowerFactory.readConfig(options);
    options.requireAllConsumed();
    assertThat(c.embeddingDim()).isEqualTo(8);
    assertThat(c.hidden()).isEmpty();
    assertThat(c.itemIdEmbedding()).isTrue();
    assertThat(c.userFeatures()).isEqualTo(FeaturesTowerModel.UserFeatures.FALSE);
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(
              () ->
                  new FeaturesTowerFactory()
                      .create(TestingTowers.context(m, TRAIN, 6, true, 1), Options.empty("model")))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("model.tower")
          .hasMessageContaining("item-features: true");
      assertThatThrownBy(
              () ->
                  new FeaturesTowerFactory()
                      .create(
                          TestingTowers.featureContext(m, TRAIN, 6, true, 1, ITEMS, null),
                          Options.of("model", Map.of("user-features", true))))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("user-features");
    }
  }

  private static double absSum(float[] x, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += Math.abs(x[i]);
    }
    return s;
  }
}
