package io.cbns.models.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.FeatureTable;
import io.cbns.core.model.FeatureInputs;
import io.cbns.models.TestingTowers;
import io.cbns.models.tower.FeaturesTowerModel;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestFeaturesOnnx {
  private static final float TOLERANCE = 1e-5f;
  private static final CsrMatrix TRAIN = TestingTowers.toyHistories(7, 13, 4);
  private static final FeatureTable ITEMS = TestingTowers.toyItemFeatures(13);

  @TempDir Path dir;

  @Test
  void itemFeaturesOnly() throws OrtException {
    checkParity(
        new FeaturesTowerModel.Config(
            4, List.of(8), 0.0, false, FeaturesTowerModel.UserFeatures.AUTO, 0.1),
        null,
        true);
  }

  @Test
  void everyOptionWithUserFeatures() throws OrtException {
    checkParity(
        new FeaturesTowerModel.Config(
            3, List.of(10, 6), 0.2, true, FeaturesTowerModel.UserFeatures.TRUE, 0.2),
        TestingTowers.toyItemFeatures(7),
        false);
  }

  private void checkParity(FeaturesTowerModel.Config config, FeatureTable users, boolean normalize)
      throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (NDManager m = NDManager.newBaseManager();
        FeaturesTowerModel model =
            FeaturesTowerModel.create(
                TestingTowers.featureContext(m, TRAIN, 8, normalize, 4, ITEMS, users), config)) {
      TestingTowers.train(
          model, TestingTowers.adamStore(m, 0.05f), m, TestingTowers.pairs(TRAIN), 10, 3, 1.0, 8);
      ExportedTowers files = OnnxExporter.builder().optSeed(4).build().export(model, dir);
      ParameterStore ps = new ParameterStore(m, false);
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
          OrtSession userSession = env.createSession(files.userTower().toString(), options);
          OrtSession itemSession = env.createSession(files.itemTower().toString(), options)) {
        assertThat(itemSession.getMetadata().getCustomMetadata())
            .containsEntry(OnnxMetadata.TOWER, "features")
            .containsEntry("cbns.item_feature_names", "genre,tags,vec");
        if (config.itemIdEmbedding()) {
          assertThat(itemSession.getInputNames()).contains("item_id");
        } else {
          assertThat(itemSession.getInputNames())
              .containsExactlyInAnyOrder(
                  "item_genre", "item_genre_mask", "item_tags", "item_tags_mask", "item_dense");
        }
        for (long[] ids : new long[][] {{0, 12, 2, 2, 7}, {5, 1}, {11}}) {
          float[][] djl = rows(model.encodeItems(ps, m.create(ids), false));
          assertClose(run(env, itemSession, "item", ITEMS, ids), djl);
        }
        for (long[] ids : new long[][] {{0, 6, 3}, {2}}) {
          float[][] djl = rows(model.encodeUsers(ps, m.create(ids), null, false));
          assertClose(run(env, userSession, "user", users, ids), djl);
        }
      }
    }
  }

  /** Feeds a tower as serving code does: {@link FeatureInputs} plus the id when declared. */
  private static float[][] run(
      OrtEnvironment env, OrtSession session, String side, FeatureTable table, long[] ids)
      throws OrtException {
    Map<String, OnnxTensor> in = new LinkedHashMap<>();
    try {
      if (session.getInputNames().contains(side + "_id")) {
        in.put(
            side + "_id",
            OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {ids.length}));
      }
      if (table != null) {
        for (FeatureInputs.Input x : FeatureInputs.build(side, table, ids)) {
          in.put(
              x.name(),
              x.longs() != null
                  ? OnnxTensor.createTensor(env, LongBuffer.wrap(x.longs()), x.shape())
                  : OnnxTensor.createTensor(env, FloatBuffer.wrap(x.floats()), x.shape()));
        }
      }
      assertThat(in.keySet()).containsExactlyInAnyOrderElementsOf(session.getInputNames());
      try (OrtSession.Result r = session.run(in)) {
        return (float[][]) r.get(0).getValue();
      }
    } finally {
      in.values().forEach(OnnxTensor::close);
    }
  }

  private static float[][] rows(NDArray x) {
    int n = (int) x.getShape().get(0);
    int d = (int) x.getShape().get(1);
    float[] flat = x.toFloatArray();
    float[][] out = new float[n][d];
    for (int r = 0; r < n; r++) {
      System.arraycopy(flat, r * d, out[r], 0, d);
    }
    return out;
  }

  private static void assertClose(float[][] actual, float[][] expected) {
    assertThat(actual.length).isEqualTo(expected.length);
    for (int r = 0; r < expected.length; r++) {
      for (int c = 0; c < expected[r].length; c++) {
        assertThat(Math.abs(actual[r][c] - expected[r][c]))
            .as("row %d col %d", r, c)
            .isLessThanOrEqualTo(TOLERANCE);
      }
    }
  }
}
