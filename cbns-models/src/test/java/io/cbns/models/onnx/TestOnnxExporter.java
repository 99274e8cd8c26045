package io.cbns.models.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.models.TestingTowers;
import io.cbns.models.tower.HistoryBatch;
import io.cbns.models.tower.LightGcnModel;
import io.cbns.models.tower.MatrixFactorizationModel;
import io.cbns.models.tower.UserHistories;
import io.cbns.models.tower.YoutubeDnnModel;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestOnnxExporter {
  private static final float TOLERANCE = 1e-5f;
  // users 0..11, items 0..16; user 11 gets no history (empty row) to cover the zero pool
  private static final CsrMatrix TRAIN = withEmptyUser(TestingTowers.toyHistories(11, 17, 6));

  @TempDir Path dir;

  @Test
  void mfWithoutNormalisation() throws OrtException {
    checkParity(
        m -> MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 8, false, 4), 0.1));
  }

  @Test
  void mfWithNormalisation() throws OrtException {
    checkParity(
        m -> MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 8, true, 4), 0.1));
  }

  @Test
  void lightGcnExportsThePropagatedTables() throws OrtException {
    checkParity(m -> LightGcnModel.create(TestingTowers.context(m, TRAIN, 8, true, 4), 1, 0.1));
    checkParity(m -> LightGcnModel.create(TestingTowers.context(m, TRAIN, 8, false, 4), 2, 0.1));
  }

  @Test
  void youtubeDnnDefaults() throws OrtException {
    checkParity(
        m ->
            YoutubeDnnModel.create(
                TestingTowers.context(m, TRAIN, 8, true, 4), YoutubeDnnModel.Config.defaults(8)));
  }

  @Test
  void youtubeDnnWithEveryOption() throws OrtException {
    YoutubeDnnModel.Config config =
        new YoutubeDnnModel.Config(4, true, List.of(16, 12), 0.3, true, false, 6, 0.2);
    checkParity(m -> YoutubeDnnModel.create(TestingTowers.context(m, TRAIN, 8, false, 4), config));
  }

  @Test
  void towersWithoutExportSupportAreRejected() {
    TwoTowerModel plain =
        new TwoTowerModel() {
          @Override
          public Block block() {
            return null;
          }

          @Override
          public int dimension() {
            return 1;
          }

          @Override
          public NDArray encodeUsers(ParameterStore ps, NDArray u, NDArray t, boolean training) {
            return u;
          }

          @Override
          public NDArray encodeItems(ParameterStore ps, NDArray i, boolean training) {
            return i;
          }

          @Override
          public void close() {}
        };
    assertThatThrownBy(() -> OnnxExporter.builder().build().export(plain, dir))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("cannot be exported to ONNX");
  }

  private void checkParity(Function<NDManager, TwoTowerModel> factory) throws OrtException {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("sampler.name", "cross-batch");
    config.put("train.lr", "0.01");
    OnnxExporter exporter =
        OnnxExporter.builder()
            .optConfig(config)
            .optSeed(99)
            .optDatasetFingerprint("sha256:abc")
            .build();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (NDManager m = NDManager.newBaseManager();
        TwoTowerModel model = factory.apply(m)) {
      // a few steps so that biases and every table move away from their initial values
      TestingTowers.train(
          model, TestingTowers.adamStore(m, 0.05f), m, TestingTowers.pairs(TRAIN), 12, 3, 1.0, 8);
      ExportedTowers files =
          exporter.export(model, dir.resolve(((OnnxExportable) model).towerType()));
      assertThat(files.userTower().getFileName()).hasToString("user_tower.onnx");
      assertThat(files.itemTower().getFileName()).hasToString("item_tower.onnx");
      ParameterStore ps = new ParameterStore(m, false);
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
          OrtSession users = env.createSession(files.userTower().toString(), options);
          OrtSession items = env.createSession(files.itemTower().toString(), options)) {
        Map<String, String> userMeta = users.getMetadata().getCustomMetadata();
        Map<String, String> itemMeta = items.getMetadata().getCustomMetadata();
        checkMetadata(model, userMeta, "user");
        checkMetadata(model, itemMeta, "item");
        assertThat(items.getInputNames()).containsExactly(TowerGraph.ITEM_ID);
        assertThat(items.getOutputNames()).containsExactly(TowerGraph.ITEM_EMBEDDING);
        assertThat(users.getOutputNames()).containsExactly(TowerGraph.USER_EMBEDDING);
        assertThat(shape(users.getOutputInfo().get(TowerGraph.USER_EMBEDDING)))
            .containsExactly(-1, model.dimension());

        // two batch sizes through the same sessions: the batch dimension is dynamic
        for (long[] ids : new long[][] {{0, 11, 3, 3, 7}, {10, 2}, {5}}) {
          float[][] djlUsers = rows(model.encodeUsers(ps, m.create(ids), null, false));
          float[][] ortUsers = runUsers(env, users, userMeta, ids);
          assertClose(ortUsers, djlUsers);
        }
        for (long[] ids : new long[][] {{0, 16, 4, 9, 9, 1, 2}, {13, 5, 6}}) {
          float[][] djlItems = rows(model.encodeItems(ps, m.create(ids), false));
          Map<String, OnnxTensor> in = Map.of(TowerGraph.ITEM_ID, longs(env, ids, ids.length));
          try (OrtSession.Result r = items.run(in)) {
            assertClose((float[][]) r.get(0).getValue(), djlItems);
          } finally {
            in.values().forEach(OnnxTensor::close);
          }
        }
      }
    }
  }

  /** Feeds the user tower as serving code would: history inputs rebuilt from the metadata. */
  private static float[][] runUsers(
      OrtEnvironment env, OrtSession session, Map<String, String> meta, long[] ids)
      throws OrtException {
    Map<String, OnnxTensor> in = new LinkedHashMap<>();
    try {
      in.put(TowerGraph.USER_ID, longs(env, ids, ids.length));
      if (session.getInputNames().contains(TowerGraph.HISTORY)) {
        UserHistories histories = OnnxMetadata.userHistories(meta, TRAIN);
        HistoryBatch h = histories.batch(ids, null);
        long[] shape = {h.rows(), h.length()};
        in.put(TowerGraph.HISTORY, OnnxTensor.createTensor(env, LongBuffer.wrap(h.items()), shape));
        in.put(
            TowerGraph.HISTORY_MASK,
            OnnxTensor.createTensor(env, FloatBuffer.wrap(h.mask()), shape));
      }
      try (OrtSession.Result r = session.run(in)) {
        return (float[][]) r.get(0).getValue();
      }
    } finally {
      in.values().forEach(OnnxTensor::close);
    }
  }

  private static void checkMetadata(TwoTowerModel model, Map<String, String> meta, String part) {
    OnnxExportable tower = (OnnxExportable) model;
    assertThat(meta)
        .containsEntry(OnnxMetadata.TOWER, tower.towerType())
        .containsEntry(OnnxMetadata.PART, part)
        .containsEntry(OnnxMetadata.DIMENSION, String.valueOf(model.dimension()))
        .containsEntry(OnnxMetadata.NORMALIZE, String.valueOf(tower.normalize()))
        .containsEntry(OnnxMetadata.SEED, "99")
        .containsEntry(OnnxMetadata.DATASET_FINGERPRINT, "sha256:abc")
        .containsEntry(OnnxMetadata.CONFIG_PREFIX + "sampler.name", "cross-batch")
        .containsEntry(OnnxMetadata.CONFIG_PREFIX + "train.lr", "0.01")
        .containsEntry("cbns.num_users", "12")
        .containsEntry("cbns.num_items", "17");
    assertThat(meta.get(OnnxMetadata.FRAMEWORK_VERSION)).contains("djl 0.33");
    boolean youtube = tower.towerType().equals(YoutubeDnnModel.NAME);
    String inputs =
        part.equals("item") ? "item_id" : youtube ? "user_id,history,history_mask" : "user_id";
    assertThat(meta).containsEntry(OnnxMetadata.INPUTS, inputs);
    if (youtube) {
      assertThat(meta)
          .containsEntry(
              OnnxMetadata.HISTORY_LENGTH,
              String.valueOf(((YoutubeDnnModel) model).config().historyLength()));
    }
  }

  private static long[] shape(NodeInfo info) {
    return ((TensorInfo) info.getInfo()).getShape();
  }

  private static OnnxTensor longs(OrtEnvironment env, long[] values, long n) throws OrtException {
    return OnnxTensor.createTensor(env, LongBuffer.wrap(values), new long[] {n});
  }

  private static float[][] rows(NDArray x) {
    int n = (int) x.getShape().get(0);
    int d = (int) x.getShape().get(1);
    float[] flat = x.toFloatArray();
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
    }
    return out;
  }

  private static void assertClose(float[][] actual, float[][] expected) {
    assertThat(actual.length).isEqualTo(expected.length);
    float max = 0;
    for (int i = 0; i < actual.length; i++) {
      assertThat(actual[i]).hasSameSizeAs(expected[i]);
      for (int k = 0; k < actual[i].length; k++) {
        max = Math.max(max, Math.abs(actual[i][k] - expected[i][k]));
      }
    }
    assertThat(max).as("max abs difference ONNX Runtime vs DJL").isLessThanOrEqualTo(TOLERANCE);
  }

  private static CsrMatrix withEmptyUser(CsrMatrix m) {
    int[] offsets = Arrays.copyOf(m.rowOffsets(), m.numRows() + 2);
    offsets[m.numRows() + 1] = m.nonZeros();
    return new CsrMatrix(m.numRows() + 1, m.numColumns(), offsets, m.columns());
  }
}
