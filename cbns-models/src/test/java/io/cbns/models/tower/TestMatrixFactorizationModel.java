package io.cbns.models.tower;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.CsrMatrix;
import io.cbns.models.TestingTowers;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestMatrixFactorizationModel {
  private static final CsrMatrix TRAIN = TestingTowers.toyHistories(10, 12, 3);

  @Test
  void encodesIdsToRowsOfTheTables() {
    try (NDManager m = NDManager.newBaseManager();
        MatrixFactorizationModel model =
            MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 6, false, 3), 0.1)) {
      ParameterStore ps = new ParameterStore(m, false);
      NDArray users = m.create(new long[] {4, 0, 4});
      NDArray u = model.encodeUsers(ps, users, null, false);
      assertThat(u.getShape()).isEqualTo(new Shape(3, 6));
      float[] table = param(model, "user_embedding").toFloatArray();
      float[] out = u.toFloatArray();
      for (int k = 0; k < 6; k++) {
        assertThat(out[k]).isEqualTo(table[4 * 6 + k]);
        assertThat(out[6 + k]).isEqualTo(table[k]);
      }
      assertThat(model.encodeItems(ps, m.create(new long[] {11}), false).getShape())
          .isEqualTo(new Shape(1, 6));
      assertThat(model.block().getParameters().keys())
          .containsExactly("user_embedding", "item_embedding");
    }
  }

  @Test
  void normalisedOutputsHaveUnitNorm() {
    try (NDManager m = NDManager.newBaseManager();
        MatrixFactorizationModel model =
            MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 16, true, 3), 0.1)) {
      ParameterStore ps = new ParameterStore(m, false);
      NDArray ids = m.create(new long[] {0, 1, 2, 9});
      for (NDArray x :
          new NDArray[] {
            model.encodeUsers(ps, ids, null, false), model.encodeItems(ps, ids, false)
          }) {
        for (float n : x.norm(new int[] {1}).toFloatArray()) {
          assertThat(n).isCloseTo(1f, within(1e-5f));
        }
      }
    }
  }

  @Test
  void sameSeedGivesBitIdenticalParameters() {
    try (NDManager m = NDManager.newBaseManager();
        MatrixFactorizationModel a =
            MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 8, false, 42), 0.1);
        MatrixFactorizationModel b =
            MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 8, false, 42), 0.1);
        MatrixFactorizationModel c =
            MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 8, false, 43), 0.1)) {
      for (String name : new String[] {"user_embedding", "item_embedding"}) {
        assertThat(param(a, name).toFloatArray()).isEqualTo(param(b, name).toFloatArray());
        assertThat(param(a, name).toFloatArray()).isNotEqualTo(param(c, name).toFloatArray());
      }
      // the two tables are different streams of the same seed
      assertThat(param(a, "user_embedding").get("0").toFloatArray())
          .isNotEqualTo(param(a, "item_embedding").get("0").toFloatArray());
      float[] values = param(a, "user_embedding").toFloatArray();
      double sq = 0;
      for (float v : values) {
        sq += v * v;
      }
      assertThat(Math.sqrt(sq / values.length)).isCloseTo(0.1, within(0.02));
    }
  }

  @Test
  void gradientReachesExactlyTheGatheredRows() {
    try (NDManager m = NDManager.newBaseManager();
        MatrixFactorizationModel model =
            MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 4, false, 5), 0.1)) {
      ParameterStore ps = new ParameterStore(m, false);
      try (NDManager step = m.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray ids = step.create(new long[] {1, 3, 3});
        NDArray u = model.encodeUsers(ps, ids, step.create(new long[] {0, 0, 0}), true);
        gc.backward(u.mul(step.create(new float[] {1, 2, 3, 4}).reshape(1, 4)).sum());
      }
      float[] grad = param(model, "user_embedding").getGradient().toFloatArray();
      for (int row = 0; row < 10; row++) {
        float factor = row == 1 ? 1 : row == 3 ? 2 : 0;
        for (int k = 0; k < 4; k++) {
          assertThat(grad[row * 4 + k]).as("row %d col %d", row, k).isEqualTo(factor * (k + 1));
        }
      }
    }
  }

  @Test
  void outputsLiveOnTheCallersManager() {
    try (NDManager m = NDManager.newBaseManager();
        NDManager models = m.newSubManager();
        MatrixFactorizationModel model =
            MatrixFactorizationModel.create(
                TestingTowers.context(models, TRAIN, 4, true, 5), 0.1)) {
      int before = models.getManagedArrays().size();
      ParameterStore ps = TestingTowers.adamStore(models, 0.01f);
      long[][] pairs = TestingTowers.pairs(TRAIN);
      TestingTowers.train(model, ps, m, pairs, 8, 1, 1.0, 1);
      int afterFirst = models.getManagedArrays().size(); // optimizer state is created once
      TestingTowers.train(model, ps, m, pairs, 8, 3, 1.0, 2);
      assertThat(models.getManagedArrays().size()).isEqualTo(afterFirst);
      assertThat(afterFirst).isLessThanOrEqualTo(before + 4);
    }
  }

  @Test
  void trainingLowersTheLoss() {
    try (NDManager m = NDManager.newBaseManager();
        MatrixFactorizationModel model =
            MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 8, true, 7), 0.1)) {
      long[][] pairs = TestingTowers.pairs(TRAIN);
      ParameterStore ps = TestingTowers.adamStore(m, 0.05f);
      float before = TestingTowers.step(model, ps, m, pairs[0], pairs[1], 0.2, false);
      TestingTowers.train(model, ps, m, pairs, 16, 40, 0.2, 11);
      float after = TestingTowers.step(model, ps, m, pairs[0], pairs[1], 0.2, false);
      assertThat(after).isLessThan(before * 0.7f);
    }
  }

  @Test
  void badInitStdNamesTheKey() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(
              () ->
                  new MatrixFactorizationFactory()
                      .create(
                          TestingTowers.context(m, TRAIN, 4, false, 1),
                          Options.of("model", Map.of("init-std", -1))))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("model.init-std");
    }
  }

  static NDArray param(TwoTowerBlock model, String name) {
    Parameter p = model.getParameters().get(name);
    assertThat(p).as(name).isNotNull();
    return p.getArray();
  }
}
