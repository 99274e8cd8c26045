package io.cbns.data.arrow.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cbns.core.CbnsException;
import io.cbns.core.data.FeatureTable;
import io.cbns.core.data.FeatureTable.CategoricalFeature;
import io.cbns.core.data.FeatureTable.DenseFeature;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestFeatureFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** 4 items: genre single-valued, tags multi-valued (item 2 has none), a dense vector of 3. */
  static FeatureTable items() {
    return new FeatureTable(
        4,
        List.of(
            new CategoricalFeature("genre", 3, new int[] {0, 1, 2, 3, 4}, new int[] {2, 0, 1, 2}),
            new CategoricalFeature(
                "tags", 6, new int[] {0, 2, 3, 3, 6}, new int[] {5, 1, 0, 3, 3, 4})),
        List.of(
            new DenseFeature(
                "vec", 3, new float[] {0.5f, -1f, 2f, 0f, 0f, 1f, 3.25f, 1e-3f, -7f, 1f, 2f, 3f})));
  }

  static FeatureTable users() {
    return new FeatureTable(
        3, List.of(), List.of(new DenseFeature("age", 1, new float[] {0.1f, 0.2f, 0.3f})));
  }

  @Test
  void featureTablesRoundTripThroughTheDirectory(@TempDir Path tmp) {
    DatasetContent c = TestDatasetFormat.plain().withFeatures(items(), users());
    DatasetManifest written =
        DatasetWriter.write(c, TestDatasetFormat.build(), tmp.resolve("ds"), false);
    assertThat(TestData.list(tmp.resolve("ds")))
        .contains("item_features.arrow", "user_features.arrow");
    assertThat(written.itemFeatures().rows()).isEqualTo(4);
    assertThat(written.itemFeatures().features())
        .containsExactly(
            new DatasetManifest.FeatureSpec("genre", "categorical", 3),
            new DatasetManifest.FeatureSpec("tags", "categorical", 6),
            new DatasetManifest.FeatureSpec("vec", "dense", 3));
    assertThat(written.fingerprint()).isNotEqualTo(TestDatasetFormat.plain().fingerprint());

    ArrowInteractionDataset ds = ArrowInteractionDataset.open(tmp.resolve("ds"));
    assertThat(ds.manifest()).isEqualTo(written);
    FeatureTable read = ds.itemFeatures().orElseThrow();
    FeatureTable want = items();
    for (int k = 0; k < 2; k++) {
      assertThat(read.categorical().get(k).name()).isEqualTo(want.categorical().get(k).name());
      assertThat(read.categorical().get(k).vocabularySize())
          .isEqualTo(want.categorical().get(k).vocabularySize());
      assertThat(read.categorical().get(k).offsets())
          .containsExactly(want.categorical().get(k).offsets());
      assertThat(read.categorical().get(k).ids()).containsExactly(want.categorical().get(k).ids());
    }
    assertThat(read.dense().get(0).values()).containsExactly(want.dense().get(0).values());
    assertThat(ds.userFeatures().orElseThrow().dense().get(0).values())
        .containsExactly(0.1f, 0.2f, 0.3f);
  }

  @Test
  void datasetsWithoutFeaturesKeepTheirManifestAndFingerprint(@TempDir Path tmp)
      throws IOException {
    DatasetWriter.write(
        TestDatasetFormat.plain(), TestDatasetFormat.build(), tmp.resolve("ds"), false);
    String json = Files.readString(tmp.resolve("ds").resolve(DatasetLayout.MANIFEST));
    assertThat(json).doesNotContain("features");
    ArrowInteractionDataset ds = ArrowInteractionDataset.open(tmp.resolve("ds"));
    assertThat(ds.itemFeatures()).isEmpty();
    assertThat(ds.userFeatures()).isEmpty();
  }

  @Test
  void manifestDeclarationsAreChecked(@TempDir Path tmp) throws IOException {
    // a vocabulary smaller than the stored ids
    assertRejected(tmp.resolve("a"), n -> spec(n, 1).put("vocab_size", 2), "outside [0, 2)");
    // a dense width that does not match the column
    assertRejected(tmp.resolve("b"), n -> spec(n, 2).put("width", 4), "vec");
    // a column declared under another name
    assertRejected(tmp.resolve("c"), n -> spec(n, 0).put("name", "style"), "style");
    // a kind that does not exist
    assertRejected(tmp.resolve("d"), n -> spec(n, 0).put("kind", "text"), "categorical or dense");
    // rows that do not match num_items
    assertRejected(
        tmp.resolve("e"), n -> ((ObjectNode) n.get("item_features")).put("rows", 3), "num_items");
  }

  private static ObjectNode spec(ObjectNode manifest, int k) {
    return (ObjectNode) ((ArrayNode) manifest.get("item_features").get("features")).get(k);
  }

  private static void assertRejected(
      Path dir, java.util.function.Consumer<ObjectNode> edit, String message) throws IOException {
    DatasetWriter.write(
        TestDatasetFormat.plain().withFeatures(items(), null),
        TestDatasetFormat.build(),
        dir,
        false);
    Path manifest = dir.resolve(DatasetLayout.MANIFEST);
    ObjectNode root = (ObjectNode) JSON.readTree(Files.readString(manifest));
    edit.accept(root);
    Files.writeString(manifest, JSON.writeValueAsString(root));
    assertThatThrownBy(() -> ArrowInteractionDataset.open(dir))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining(message);
  }
}
