package io.cbns.data.arrow.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.format.DatasetManifest.FileEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestShardedSplits {
  /** Rewrites the train split of a written dataset as shards cut at {@code cuts}. */
  private static void shardTrain(Path dir, DatasetContent c, int... cuts) throws IOException {
    DatasetManifest m = DatasetReader.readManifest(dir);
    InteractionTable t = c.train();
    List<FileEntry> shards = new ArrayList<>();
    try (BufferAllocator allocator = new RootAllocator()) {
      int from = 0;
      int[] ends = Arrays.copyOf(cuts, cuts.length + 1);
      ends[cuts.length] = t.size();
      for (int s = 0; s < ends.length; s++) {
        int to = ends[s];
        InteractionTable part = t.slice(from, to);
        String name = String.format("train-%05d.arrow", s);
        ArrowColumns.writeInteractions(dir.resolve(name), part, allocator);
        shards.add(new FileEntry(name, part.size()));
        from = to;
      }
    }
    Files.delete(dir.resolve(DatasetLayout.TRAIN));
    DatasetManifest sharded =
        new DatasetManifest(
            m.schemaVersion(),
            m.name(),
            m.numUsers(),
            m.numItems(),
            FileEntry.sharded(shards),
            m.validation(),
            m.test(),
            m.itemCounts(),
            m.userIds(),
            m.itemIds(),
            m.hasTimestamps(),
            m.hasWeights(),
            m.build(),
            m.fingerprint(),
            m.itemFeatures(),
            m.userFeatures());
    Files.writeString(dir.resolve(DatasetLayout.MANIFEST), sharded.toJson());
  }

  @Test
  void aShardedSplitReadsAsItsFilesInOrder(@TempDir Path tmp) throws IOException {
    DatasetContent c = TestDatasetFormat.full();
    Path dir = tmp.resolve("ds");
    DatasetWriter.write(c, TestDatasetFormat.build(), dir, false);
    shardTrain(dir, c, 2, 2, 4); // shards of 2, 0, 2 and 1 rows: an empty shard is allowed

    String json = Files.readString(dir.resolve(DatasetLayout.MANIFEST), StandardCharsets.UTF_8);
    assertThat(json).contains("\"shards\"").contains("train-00003.arrow");
    DatasetManifest m = DatasetManifest.fromJson(json, "manifest.json");
    assertThat(m.train().rows()).isEqualTo(5);
    assertThat(m.train().files()).extracting(FileEntry::rows).containsExactly(2L, 0L, 2L, 1L);
    assertThat(m.test().files()).containsExactly(m.test()); // unsharded: the file itself

    DatasetReader.Loaded loaded = DatasetReader.read(dir);
    // the same content, so the same fingerprint (checked by read) and the same arrays
    assertThat(loaded.content().fingerprint()).isEqualTo(c.fingerprint());
    assertThat(loaded.content().train().userIds()).containsExactly(c.train().userIds());
    assertThat(loaded.content().train().itemIds()).containsExactly(c.train().itemIds());
    assertThat(loaded.content().train().timestamps()).containsExactly(c.train().timestamps());
    assertThat(loaded.content().train().weights()).containsExactly(c.train().weights());
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(dir)) {
      assertThat(ds.trainByUser().nonZeros()).isEqualTo(5);
    }
  }

  @Test
  void aShardThatDisagreesWithTheManifestIsNamed(@TempDir Path tmp) throws IOException {
    DatasetContent c = TestDatasetFormat.plain();
    Path dir = tmp.resolve("ds");
    DatasetWriter.write(c, TestDatasetFormat.build(), dir, false);
    shardTrain(dir, c, 1);
    String json = Files.readString(dir.resolve(DatasetLayout.MANIFEST));
    // shard 1 listed with 2 rows instead of 3, and the total to match: the file disagrees
    Files.writeString(
        dir.resolve(DatasetLayout.MANIFEST),
        json.replaceFirst("\"rows\" : 4", "\"rows\" : 3")
            .replace(
                "\"file\" : \"train-00001.arrow\",\n      \"rows\" : 3",
                "\"file\" : \"train-00001.arrow\",\n      \"rows\" : 2"));
    assertThatThrownBy(() -> DatasetReader.read(dir))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("train-00001.arrow");
    // a total that is not the shards' sum is refused when the manifest is read
    Files.writeString(
        dir.resolve(DatasetLayout.MANIFEST), json.replaceFirst("\"rows\" : 4", "\"rows\" : 5"));
    assertThatThrownBy(() -> DatasetReader.readManifest(dir))
        .hasMessageContaining("train.rows is 5 but its shards hold 4");
  }

  @Test
  void onlyTheSplitsCanBeShardedAndShardsArePlainFiles() {
    String base =
        DatasetWriterJson.plainManifest(); // a valid manifest without shards, from the writer
    assertThat(DatasetManifest.fromJson(base, "m").train().shards()).isEmpty();
    String shardedCounts =
        base.replace(
            "\"item_counts\" : {\n    \"file\" : \"item_counts.arrow\",\n    \"rows\" : 4\n  }",
            "\"item_counts\" : {\n    \"rows\" : 4,\n    \"shards\" : [ {\"file\" : \"a.arrow\", \"rows\" : 4} ]\n  }");
    assertThat(shardedCounts).isNotEqualTo(base);
    assertThatThrownBy(() -> DatasetManifest.fromJson(shardedCounts, "m"))
        .hasMessageContaining("item_counts cannot be sharded");
    String escaping =
        base.replace(
            "\"train\" : {\n    \"file\" : \"train.arrow\",\n    \"rows\" : 4\n  }",
            "\"train\" : {\n    \"rows\" : 4,\n    \"shards\" : [ {\"file\" : \"../x.arrow\", \"rows\" : 4} ]\n  }");
    assertThat(escaping).isNotEqualTo(base);
    assertThatThrownBy(() -> DatasetManifest.fromJson(escaping, "m"))
        .hasMessageContaining("must be a plain file name");
  }

  /** The manifest the writer produces for {@link TestDatasetFormat#plain()}. */
  private static final class DatasetWriterJson {
    static String plainManifest() {
      try {
        Path dir = Files.createTempDirectory("cbns-manifest");
        try {
          return DatasetWriter.write(
                  TestDatasetFormat.plain(), TestDatasetFormat.build(), dir.resolve("d"), false)
              .toJson();
        } finally {
          DatasetWriter.deleteRecursively(dir);
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
