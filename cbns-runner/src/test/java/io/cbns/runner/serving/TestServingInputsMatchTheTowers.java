package io.cbns.runner.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.FeatureTable;
import io.cbns.core.model.OnnxContract;
import io.cbns.models.onnx.FeatureInputs;
import io.cbns.models.onnx.OnnxMetadata;
import io.cbns.models.onnx.TowerGraph;
import io.cbns.models.tower.HistoryBatch;
import io.cbns.models.tower.UserHistories;
import io.cbns.serving.onnx.FeatureTensors;
import io.cbns.serving.onnx.HistoryInputs;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * cbns-serving rebuilds the inputs of exported towers without depending on cbns-models (the
 * training stack): the histories a youtube-dnn user tower pools and the feature inputs of a
 * features tower. Both must be exactly what the towers were trained and exported with.
 */
final class TestServingInputsMatchTheTowers {
  @Test
  void historiesAreTheSubsetTheTowerSelects() {
    SplittableRandom random = new SplittableRandom(3);
    int users = 300;
    int items = 500;
    int n = 20_000;
    int[] rows = new int[n];
    int[] cols = new int[n];
    for (int i = 0; i < n; i++) {
      rows[i] = random.nextInt(users);
      cols[i] = random.nextInt(items);
    }
    CsrMatrix train = CsrMatrix.fromPairs(users, items, rows, cols);
    for (int cap : new int[] {1, 7, 50, 1000}) {
      UserHistories tower = UserHistories.select(train, cap);
      HistoryInputs serving = HistoryInputs.select(train, cap);
      long[] batch = random.longs(64, 0, users).toArray();
      HistoryBatch expected = tower.batch(batch, null);
      HistoryInputs.Padded actual = serving.batch(batch);
      assertThat(actual.length()).as("cap %d", cap).isEqualTo(expected.length());
      assertThat(actual.ids()).as("cap %d", cap).containsExactly(expected.items());
      assertThat(actual.mask()).containsExactly(expected.mask());
      for (int u = 0; u < users; u++) {
        assertThat(serving.items(u)).isEqualTo(tower.items(u));
      }
    }
  }

  @Test
  void featureInputsAreTheOnesTheExporterDeclares() {
    FeatureTable table =
        new FeatureTable(
            4,
            List.of(
                new FeatureTable.CategoricalFeature(
                    "genre", 5, new int[] {0, 1, 3, 3, 4}, new int[] {2, 0, 4, 1})),
            List.of(
                new FeatureTable.DenseFeature("a", 2, new float[] {1, 2, 3, 4, 5, 6, 7, 8}),
                new FeatureTable.DenseFeature("b", 1, new float[] {9, 10, 11, 12})));
    long[] rows = {2, 1, 3, 1};
    List<FeatureInputs.Input> expected = FeatureInputs.build("item", table, rows);
    List<FeatureTensors.Input> actual = FeatureTensors.build("item", table, rows);
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).name()).isEqualTo(expected.get(i).name());
      assertThat(actual.get(i).shape()).isEqualTo(expected.get(i).shape());
      assertThat(actual.get(i).longs()).isEqualTo(expected.get(i).longs());
      assertThat(actual.get(i).floats()).isEqualTo(expected.get(i).floats());
    }
  }

  @Test
  void theSharedNamesAreTheExportersNames() {
    assertThat(TowerGraph.USER_ID).isEqualTo(OnnxContract.USER_ID).isEqualTo("user_id");
    assertThat(TowerGraph.HISTORY_MASK).isEqualTo("history_mask");
    assertThat(OnnxMetadata.DATASET_FINGERPRINT).isEqualTo("cbns.dataset_fingerprint");
    assertThat(OnnxMetadata.HISTORY_LENGTH).isEqualTo("cbns.history_length");
  }
}
