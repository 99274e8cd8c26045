package io.cbns.models.tower;

import static io.cbns.models.tower.TestMatrixFactorizationModel.param;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.optim.RowGradientStore;
import io.cbns.models.TestingTowers;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestLightGcnModel {
  // 10 users, 12 items; user 9 and item 11 get no edges, so cold nodes are covered
  private static final CsrMatrix TRAIN = withoutUserNine(TestingTowers.toyHistories(10, 12, 3));
  private static final int D = 4;

  @Test
  void encodingsAreTheMeanOfThePropagatedLayers() {
    for (int layers = 1; layers <= 3; layers++) {
      try (NDManager m = NDManager.newBaseManager();
          LightGcnModel model =
              LightGcnModel.create(TestingTowers.context(m, TRAIN, D, false, 3), layers, 0.1)) {
        double[][][] expected = reference(model, layers);
        ParameterStore ps = new ParameterStore(m, false);
        long[] userIds = {4, 0, 9, 4};
        long[] itemIds = {11, 2, 7};
        float[] u = model.encodeUsers(ps, m.create(userIds), null, false).toFloatArray();
        float[] v = model.encodeItems(ps, m.create(itemIds), false).toFloatArray();
        for (int r = 0; r < userIds.length; r++) {
          for (int k = 0; k < D; k++) {
            assertThat(u[r * D + k])
                .as("K=%d user %d", layers, userIds[r])
                .isCloseTo((float) expected[0][(int) userIds[r]][k], within(1e-6f));
          }
        }
        for (int r = 0; r < itemIds.length; r++) {
          for (int k = 0; k < D; k++) {
            assertThat(v[r * D + k])
                .as("K=%d item %d", layers, itemIds[r])
                .isCloseTo((float) expected[1][(int) itemIds[r]][k], within(1e-6f));
          }
        }
      }
    }
  }

  @Test
  void rowSparseGradientsEqualTheDenseOnes() {
    // d/dE_item of sum(c . encodeUsers(ids)) with one layer: c/2 * sum over the batch's edges
    try (NDManager m = NDManager.newBaseManager();
        LightGcnModel model =
            LightGcnModel.create(TestingTowers.context(m, TRAIN, D, false, 5), 1, 0.1)) {
      long[] ids = {1, 3, 3};
      float[] dense;
      try (NDManager step = m.newSubManager()) {
        ParameterStore ps = new ParameterStore(step, false);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray u = model.encodeUsers(ps, step.create(ids), null, true);
          gc.backward(u.mul(step.create(new float[] {1, 2, 3, 4}).reshape(1, D)).sum());
        }
        dense = param(model, "item_embedding").getGradient().toFloatArray();
      }
      float[] sparse = new float[dense.length];
      try (NDManager step = m.newSubManager()) {
        RowGradientStore ps = new RowGradientStore(step);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray u = model.encodeUsers(ps, step.create(ids), null, true);
          gc.backward(u.mul(step.create(new float[] {1, 2, 3, 4}).reshape(1, D)).sum());
        }
        NDArray[] rows = ps.gradients(model.getParameters().get("item_embedding"));
        long[] rowIds = rows[0].toLongArray();
        float[] g = rows[1].toFloatArray();
        for (int r = 0; r < rowIds.length; r++) {
          System.arraycopy(g, r * D, sparse, (int) rowIds[r] * D, D);
        }
      }
      double[] weight = new double[12];
      for (long u : ids) {
        for (int i : TRAIN.row((int) u)) {
          weight[i] += 0.5 / Math.sqrt((double) TRAIN.rowLength((int) u) * itemDegree(i));
        }
      }
      for (int i = 0; i < 12; i++) {
        for (int k = 0; k < D; k++) {
          assertThat(dense[i * D + k])
              .as("item %d", i)
              .isCloseTo((float) (weight[i] * (k + 1)), within(1e-5f));
          assertThat(sparse[i * D + k]).as("item %d", i).isCloseTo(dense[i * D + k], within(1e-6f));
        }
      }
    }
  }

  @Test
  void wholeGraphLayersGiveTheExactGradients() {
    // K >= 2 propagates through the engine's sparse adjacency; the encodings are linear in the
    // tables, so d/dE of sum_r c . encode(ids)[r] is c times the summed propagation coefficients.
    // Three calls: the users alone, the items alone, and both at once (encodeBatch, one
    // propagation for both sides), whose gradient is the sum of the other two
    float[] c = {1, -2, 3, 0.5f};
    long[] userIds = {1, 3, 3, 9};
    long[] itemIds = {0, 11, 5, 5};
    for (int layers = 2; layers <= 3; layers++) {
      for (String call : new String[] {"users", "items", "batch"}) {
        try (NDManager m = NDManager.newBaseManager();
            LightGcnModel model =
                LightGcnModel.create(TestingTowers.context(m, TRAIN, D, false, 5), layers, 0.1)) {
          try (NDManager step = m.newSubManager()) {
            ParameterStore ps = new ParameterStore(step, false);
            NDArray users = step.create(userIds);
            NDArray items = step.create(itemIds);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray ctx = step.create(c).reshape(1, D);
              NDArray out =
                  switch (call) {
                    case "users" -> model.encodeUsers(ps, users, null, true);
                    case "items" -> model.encodeItems(ps, items, true);
                    default -> {
                      NDList both = model.encodeBatch(ps, users, items, true);
                      assertThat(both.get(0).toFloatArray())
                          .containsExactly(
                              model.encodeUsers(ps, users, null, false).toFloatArray(),
                              within(1e-6f));
                      assertThat(both.get(1).toFloatArray())
                          .containsExactly(
                              model.encodeItems(ps, items, false).toFloatArray(), within(1e-6f));
                      yield both.get(0).concat(both.get(1), 0);
                    }
                  };
              gc.backward(out.mul(ctx).sum());
            }
            for (boolean userTable : new boolean[] {true, false}) {
              float[] g =
                  param(model, userTable ? "user_embedding" : "item_embedding")
                      .getGradient()
                      .toFloatArray();
              int rows = userTable ? 10 : 12;
              for (int node = 0; node < rows; node++) {
                // the encodings of the queried nodes when the tables hold 1 at this node only
                double[][] basis = scalarLayers(userTable, node, layers);
                double coefficient = 0;
                if (!call.equals("items")) {
                  for (long id : userIds) {
                    coefficient += basis[0][(int) id];
                  }
                }
                if (!call.equals("users")) {
                  for (long id : itemIds) {
                    coefficient += basis[1][(int) id];
                  }
                }
                for (int k = 0; k < D; k++) {
                  assertThat(g[node * D + k])
                      .as("K=%d %s, d/d %s %d", layers, call, userTable ? "user" : "item", node)
                      .isCloseTo((float) (coefficient * c[k]), within(1e-5f));
                }
              }
            }
          }
        }
      }
    }
  }

  @Test
  void trainingLowersTheLossAndKeepsMemoryFlat() {
    // K >= 2 propagates whole parameter tables: every array of a step must still land on the
    // step's manager, never on the model's, which lives as long as the model
    for (int layers = 1; layers <= 3; layers++) {
      try (NDManager m = NDManager.newBaseManager();
          NDManager models = m.newSubManager();
          LightGcnModel model =
              LightGcnModel.create(TestingTowers.context(models, TRAIN, 8, true, 7), layers, 0.1)) {
        long[][] pairs = TestingTowers.pairs(TRAIN);
        ParameterStore ps = TestingTowers.adamStore(models, 0.05f);
        float before = TestingTowers.step(model, ps, m, pairs[0], pairs[1], 0.2, false);
        TestingTowers.trainLeavingNothingOnTheModelsManager(
            model, ps, m, models, pairs, 8, 41, 0.2, "K=" + layers);
        float after = TestingTowers.step(model, ps, m, pairs[0], pairs[1], 0.2, false);
        // more layers smooth this 10-user graph more, so the loss falls less (K=3: about x0.73)
        assertThat(after).as("K=%d", layers).isLessThan(before * 0.8f);
      }
    }
  }

  @Test
  void aSavedModelLoadsOnlyIntoTheSameGraph() throws Exception {
    try (NDManager m = NDManager.newBaseManager();
        LightGcnModel a =
            LightGcnModel.create(TestingTowers.context(m, TRAIN, D, false, 3), 1, 0.1);
        LightGcnModel other =
            LightGcnModel.create(
                TestingTowers.context(m, TestingTowers.toyHistories(10, 12, 3), D, false, 3),
                1,
                0.1)) {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      a.saveParameters(new java.io.DataOutputStream(bytes));
      assertThatThrownBy(
              () ->
                  other.loadParameters(
                      m,
                      new java.io.DataInputStream(
                          new java.io.ByteArrayInputStream(bytes.toByteArray()))))
          .hasMessageContaining("edges=25")
          .hasMessageContaining("edges=30");
    }
  }

  @Test
  void badLayersNamesTheKey() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(
              () ->
                  new LightGcnFactory()
                      .create(
                          TestingTowers.context(m, TRAIN, 4, false, 1),
                          Options.of("model", Map.of("layers", 0))))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("model.layers");
    }
  }

  /** Straight from the definition, in doubles: {users, items} x node x d. */
  private static double[][][] reference(LightGcnModel model, int layers) {
    double[][] user = toRows(param(model, "user_embedding").toFloatArray(), 10);
    double[][] item = toRows(param(model, "item_embedding").toFloatArray(), 12);
    double[][] userSum = copy(user);
    double[][] itemSum = copy(item);
    for (int k = 1; k <= layers; k++) {
      double[][] nextUser = new double[10][D];
      double[][] nextItem = new double[12][D];
      for (int u = 0; u < 10; u++) {
        for (int i : TRAIN.row(u)) {
          double w = 1 / Math.sqrt((double) TRAIN.rowLength(u) * itemDegree(i));
          for (int j = 0; j < D; j++) {
            nextUser[u][j] += w * item[i][j];
            nextItem[i][j] += w * user[u][j];
          }
        }
      }
      user = nextUser;
      item = nextItem;
      add(userSum, user);
      add(itemSum, item);
    }
    scale(userSum, 1.0 / (layers + 1));
    scale(itemSum, 1.0 / (layers + 1));
    return new double[][][] {userSum, itemSum};
  }

  /**
   * LightGCN on scalar tables that are zero except for a 1 at {@code node} of the user table (or of
   * the item table): {users, items} x node, the mean of layers 0..K.
   */
  private static double[][] scalarLayers(boolean userTable, int node, int layers) {
    double[] user = new double[10];
    double[] item = new double[12];
    (userTable ? user : item)[node] = 1;
    double[] userSum = new double[10];
    double[] itemSum = new double[12];
    (userTable ? userSum : itemSum)[node] = 1.0 / (layers + 1); // layer 0
    for (int k = 1; k <= layers; k++) {
      double[] nextUser = new double[10];
      double[] nextItem = new double[12];
      for (int u = 0; u < 10; u++) {
        for (int i : TRAIN.row(u)) {
          double w = 1 / Math.sqrt((double) TRAIN.rowLength(u) * itemDegree(i));
          nextUser[u] += w * item[i];
          nextItem[i] += w * user[u];
        }
      }
      user = nextUser;
      item = nextItem;
      for (int u = 0; u < 10; u++) {
        userSum[u] += user[u] / (layers + 1);
      }
      for (int i = 0; i < 12; i++) {
        itemSum[i] += item[i] / (layers + 1);
      }
    }
    return new double[][] {userSum, itemSum};
  }

  private static int itemDegree(int item) {
    return (int) TRAIN.columnCounts()[item];
  }

  private static CsrMatrix withoutUserNine(CsrMatrix m) {
    java.util.List<int[]> pairs = new java.util.ArrayList<>();
    for (int u = 0; u < m.numRows(); u++) {
      for (int i : m.row(u)) {
        if (u != 9 && i != 11) {
          pairs.add(new int[] {u, i});
        }
      }
    }
    return CsrMatrix.fromPairs(
        m.numRows(),
        m.numColumns(),
        pairs.stream().mapToInt(p -> p[0]).toArray(),
        pairs.stream().mapToInt(p -> p[1]).toArray());
  }

  private static double[][] toRows(float[] values, int rows) {
    double[][] out = new double[rows][D];
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < D; k++) {
        out[r][k] = values[r * D + k];
      }
    }
    return out;
  }

  private static double[][] copy(double[][] a) {
    double[][] out = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }

  private static void add(double[][] sum, double[][] x) {
    for (int i = 0; i < sum.length; i++) {
      for (int j = 0; j < D; j++) {
        sum[i][j] += x[i][j];
      }
    }
  }

  private static void scale(double[][] x, double f) {
    for (double[] row : x) {
      for (int j = 0; j < D; j++) {
        row[j] *= f;
      }
    }
  }
}
