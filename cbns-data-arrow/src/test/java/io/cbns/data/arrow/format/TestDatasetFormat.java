package io.cbns.data.arrow.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cbns.core.CbnsException;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.TestData;
import io.cbns.data.arrow.format.DatasetManifest.BuildInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestDatasetFormat {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** 3 users x 4 items with every optional part: timestamps, weights, validation, id maps. */
  static DatasetContent full() {
    InteractionTable train =
        new InteractionTable(
            new int[] {0, 0, 1, 2, 2},
            new int[] {0, 1, 1, 2, 3},
            new long[] {10, 11, 12, 13, 14},
            new float[] {1f, 0.5f, 2f, 1f, 3f});
    InteractionTable validation =
        new InteractionTable(new int[] {1}, new int[] {0}, new long[] {20}, new float[] {1f});
    InteractionTable test =
        new InteractionTable(
            new int[] {0, 2}, new int[] {2, 1}, new long[] {30, 31}, new float[] {1f, 4f});
    return new DatasetContent(
        "tiny",
        3,
        4,
        train,
        validation,
        test,
        new String[] {"alice", "bob", "carol"},
        new String[] {"i-a", "i-b", "i-c", "i-d"});
  }

  /** Ids only, no extras. */
  static DatasetContent plain() {
    return new DatasetContent(
        "plain",
        3,
        4,
        InteractionTable.of(new int[] {0, 0, 1, 2}, new int[] {0, 1, 2, 3}),
        null,
        InteractionTable.of(new int[] {0, 1, 2}, new int[] {2, 0, 1}),
        null,
        null);
  }

  static BuildInfo build() {
    return new BuildInfo("test", Map.of("k", "v"), 7, List.of(), Map.of("lines", 5L));
  }

  @Test
  void writesAndReadsBackEveryColumnAndMap(@TempDir Path tmp) {
    DatasetContent c = full();
    DatasetManifest written = DatasetWriter.write(c, build(), tmp.resolve("ds"), false);

    assertThat(TestData.list(tmp)).containsExactly("ds"); // no temp directory left
    assertThat(TestData.list(tmp.resolve("ds")))
        .containsExactly(
            "item_counts.arrow",
            "item_ids.arrow",
            "manifest.json",
            "test.arrow",
            "train.arrow",
            "user_ids.arrow",
            "validation.arrow");
    DatasetReader.Loaded loaded = DatasetReader.read(tmp.resolve("ds"));
    DatasetContent r = loaded.content();
    assertThat(loaded.manifest()).isEqualTo(written);
    assertThat(r.train().userIds()).containsExactly(c.train().userIds());
    assertThat(r.train().itemIds()).containsExactly(c.train().itemIds());
    assertThat(r.train().timestamps()).containsExactly(c.train().timestamps());
    assertThat(r.train().weights()).containsExactly(c.train().weights());
    assertThat(r.validation().itemIds()).containsExactly(0);
    assertThat(r.test().weights()).containsExactly(1f, 4f);
    assertThat(r.userIdMap()).containsExactly("alice", "bob", "carol");
    assertThat(r.itemIdMap()).containsExactly("i-a", "i-b", "i-c", "i-d");
    assertThat(r.itemTrainCounts()).containsExactly(1, 2, 1, 1);
    assertThat(written.fingerprint()).isEqualTo(c.fingerprint());
    assertThat(written.schemaVersion()).isEqualTo(DatasetLayout.SCHEMA_VERSION);
    assertThat(written.train().rows()).isEqualTo(5);
    assertThat(written.validation().rows()).isEqualTo(1);
    assertThat(written.build().options()).containsEntry("k", "v");
    assertThat(written.build().stats()).containsEntry("lines", 5L);
  }

  @Test
  void emptySplitRoundTrips(@TempDir Path tmp) {
    DatasetContent c =
        new DatasetContent(
            "empty-validation",
            1,
            2,
            InteractionTable.of(new int[] {0}, new int[] {0}),
            InteractionTable.of(new int[0], new int[0]),
            InteractionTable.of(new int[] {0}, new int[] {1}),
            null,
            null);
    DatasetWriter.write(c, build(), tmp.resolve("ds"), false);
    assertThat(DatasetReader.read(tmp.resolve("ds")).content().validation().size()).isZero();
  }

  @Test
  void fingerprintFollowsContentNotName() {
    String f = full().fingerprint();
    assertThat(full().fingerprint()).isEqualTo(f);
    DatasetContent c = full();
    DatasetContent renamed =
        new DatasetContent(
            "other",
            c.numUsers(),
            c.numItems(),
            c.train(),
            c.validation(),
            c.test(),
            c.userIdMap(),
            c.itemIdMap());
    assertThat(renamed.fingerprint()).isEqualTo(f);
    DatasetContent otherMap =
        new DatasetContent(
            "tiny",
            c.numUsers(),
            c.numItems(),
            c.train(),
            c.validation(),
            c.test(),
            new String[] {"alice", "bob", "dave"},
            c.itemIdMap());
    assertThat(otherMap.fingerprint()).isNotEqualTo(f);
    assertThat(plain().fingerprint()).isNotEqualTo(f);
  }

  @Test
  void refusesAnExistingOutputUnlessOverwriting(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("ds");
    DatasetWriter.write(plain(), build(), out, false);
    assertThatThrownBy(() -> DatasetWriter.write(full(), build(), out, false))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining(out + " already exists");
    assertThat(DatasetReader.readManifest(out).name()).isEqualTo("plain");

    DatasetWriter.write(full(), build(), out, true);
    assertThat(DatasetReader.readManifest(out).name()).isEqualTo("tiny");
    assertThat(TestData.list(tmp)).containsExactly("ds");
  }

  @Test
  void detectsARowCountThatDisagreesWithTheManifest(@TempDir Path tmp) {
    Path dir = written(tmp, plain());
    editManifest(dir, m -> ((ObjectNode) m.get("train")).put("rows", 5));
    assertOpenFails(dir).hasMessageContaining("train.arrow: holds 4 rows but manifest.json says 5");
  }

  @Test
  void detectsItemCountsThatDisagreeWithTrain(@TempDir Path tmp) throws IOException {
    Path dir = written(tmp, plain());
    replace(
        dir.resolve(DatasetLayout.ITEM_COUNTS),
        (f, a) -> ArrowColumns.writeItemCounts(f, new long[] {1, 2, 1, 1}, a));
    assertOpenFails(dir)
        .hasMessageContaining("item_counts.arrow: item 1 has count 2 but the train split holds 1");
  }

  @Test
  void detectsDataChangedBehindTheManifest(@TempDir Path tmp) throws IOException {
    Path dir = written(tmp, plain());
    // same item counts, different pairs: only the fingerprint can tell
    replace(
        dir.resolve(DatasetLayout.TRAIN),
        (f, a) ->
            ArrowColumns.writeInteractions(
                f, InteractionTable.of(new int[] {0, 0, 2, 1}, new int[] {0, 1, 2, 3}), a));
    assertOpenFails(dir)
        .hasMessageContaining("manifest.json: fingerprint")
        .hasMessageContaining("does not match the data");
  }

  @Test
  void rejectsAnotherSchemaVersionFirst(@TempDir Path tmp) {
    Path dir = written(tmp, plain());
    editManifest(
        dir,
        m -> {
          m.put("schema_version", 99);
          m.remove("train"); // the version message must win over the missing key
        });
    assertOpenFails(dir)
        .hasMessageContaining("manifest.json: schema_version 99 is not supported")
        .hasMessageContaining("reads 1");
  }

  @Test
  void namesTheMissingManifestKey(@TempDir Path tmp) {
    Path dir = written(tmp, plain());
    editManifest(dir, m -> m.remove("num_items"));
    assertOpenFails(dir).hasMessageContaining("manifest.json: missing key 'num_items'");
  }

  @Test
  void rejectsIdsOutsideTheManifestSizes(@TempDir Path tmp) {
    Path dir = written(tmp, plain());
    editManifest(dir, m -> m.put("num_users", 2));
    assertOpenFails(dir).hasMessageContaining("train.arrow: row 3 has user_id 2 outside [0, 2)");
  }

  @Test
  void rejectsAFileWithoutTheExpectedColumns(@TempDir Path tmp) throws IOException {
    Path dir = written(tmp, plain());
    replace(
        dir.resolve(DatasetLayout.TEST),
        (f, a) -> ArrowColumns.writeIdMap(f, new String[] {"a", "b", "c"}, a));
    assertOpenFails(dir)
        .hasMessageContaining("test.arrow: column 'user_id' of type Int(32, true) expected");
  }

  @Test
  void rejectsAFileThatIsNotArrow(@TempDir Path tmp) throws IOException {
    Path dir = written(tmp, plain());
    Files.writeString(dir.resolve(DatasetLayout.TRAIN), "user item\n0 1\n");
    assertOpenFails(dir).hasMessageContaining("train.arrow");
  }

  @Test
  void explainsAMissingDirectoryAndManifest(@TempDir Path tmp) throws IOException {
    assertThatThrownBy(() -> ArrowInteractionDataset.open(tmp.resolve("nope")))
        .hasMessageContaining("no such dataset directory");
    Files.createDirectory(tmp.resolve("half"));
    assertThatThrownBy(() -> ArrowInteractionDataset.open(tmp.resolve("half")))
        .hasMessageContaining("manifest.json: missing");
  }

  private static Path written(Path tmp, DatasetContent c) {
    Path dir = tmp.resolve("ds");
    DatasetWriter.write(c, build(), dir, false);
    return dir;
  }

  /** Opening {@code dir} fails with a {@link CbnsException}; the caller checks the message. */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertOpenFails(Path dir) {
    return assertThatThrownBy(() -> ArrowInteractionDataset.open(dir))
        .isInstanceOf(CbnsException.class);
  }

  /** Replaces a table file of a written dataset by what {@code writer} writes. */
  private static void replace(Path file, BiConsumer<Path, BufferAllocator> writer)
      throws IOException {
    Files.delete(file);
    try (BufferAllocator a = new RootAllocator()) {
      writer.accept(file, a);
    }
  }

  private static void editManifest(Path dir, Consumer<ObjectNode> edit) {
    try {
      Path file = dir.resolve(DatasetLayout.MANIFEST);
      ObjectNode root = (ObjectNode) JSON.readTree(Files.readString(file));
      edit.accept(root);
      Files.writeString(file, JSON.writeValueAsString(root));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
