package io.cbns.runner.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.FeatureInputs;
import io.cbns.core.model.OnnxContract;
import io.cbns.models.onnx.OnnxMetadata;
import io.cbns.models.onnx.TowerGraph;
import io.cbns.models.tower.HistoryBatch;
import io.cbns.models.tower.UserHistories;
import io.cbns.serving.onnx.HistoryInputs;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * cbns-serving rebuilds the inputs of exported towers without depending on cbns-models (the
 * training stack). The history a youtube-dnn user tower pools is selected by one class of cbns-core
 * for both, but padded by each side: the padded batches must agree. (The feature inputs of a
 * features tower are built by one class of cbns-core, {@code FeatureInputs}, for both sides;
 * cbns-models' TestFeaturesOnnx feeds them to an exported graph.)
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
      FeatureInputs.Padded actual = serving.batch(batch);
      assertThat(actual.length()).as("cap %d", cap).isEqualTo(expected.length());
      assertThat(actual.ids()).as("cap %d", cap).containsExactly(expected.items());
      assertThat(actual.mask()).containsExactly(expected.mask());
      for (int u = 0; u < users; u++) {
        assertThat(serving.items(u)).isEqualTo(tower.items(u));
      }
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
