package io.cbns.data.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.DatasetContext;
import io.cbns.core.data.InteractionBatch;
import io.cbns.core.data.InteractionDataset;
import io.cbns.data.arrow.format.ArrowColumns;
import io.cbns.data.arrow.format.DatasetManifest;
import io.cbns.data.arrow.format.DatasetManifest.FileEntry;
import io.cbns.data.arrow.format.DatasetReader;
import io.cbns.data.arrow.format.InteractionTable;
import io.cbns.data.arrow.importer.DatasetImporter;
import io.cbns.data.arrow.source.ArrowDirectorySource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded imports, and training batches streamed from the shards of a real dataset directory. */
final class TestStreamingDataset {
  /** A CSV log of 60 users and 40 items with timestamps; some pairs repeat. */
  private static Path log(Path dir) {
    SplittableRandom r = new SplittableRandom(5);
    StringBuilder b = new StringBuilder();
    for (int line = 0; line < 900; line++) {
      b.append("u")
          .append(r.nextInt(60))
          .append(',')
          .append("i")
          .append(r.nextInt(40))
          .append(',')
          .append(1000 + line)
          .append('\n');
    }
    return TestData.write(dir, "log.csv", b.toString());
  }

  private static Path imported(Path tmp, String name, int shardRows) {
    Map<String, Object> o = new HashMap<>();
    o.put("path", log(tmp).toString());
    o.put("timestamp-column", 2);
    o.put("validation-ratio", 0.1);
    if (shardRows > 0) {
      o.put("shard-rows", shardRows);
    }
    Path out = tmp.resolve(name);
    DatasetImporter.run("delimited", Options.of("import", o), out);
    return out;
  }

  private static List<long[]> pairs(InteractionDataset ds, BatchSpec spec, int epoch) {
    List<long[]> out = new ArrayList<>();
    try (BatchIterator it = ds.trainBatches(spec, epoch)) {
      while (it.hasNext()) {
        InteractionBatch b = it.next();
        for (int k = 0; k < b.size(); k++) {
          out.add(new long[] {b.userIds()[k], b.itemIds()[k]});
        }
      }
    }
    return out;
  }

  private static long[] sortedKeys(List<long[]> pairs) {
    return pairs.stream().mapToLong(p -> p[0] * 1_000_000 + p[1]).sorted().toArray();
  }

  @Test
  void aShardedImportHoldsTheSameContentInFilesOfAtMostShardRows(@TempDir Path tmp) {
    Path whole = imported(tmp, "whole", 0);
    Path sharded = imported(tmp, "sharded", 100);
    DatasetManifest w = DatasetReader.readManifest(whole);
    DatasetManifest s = DatasetReader.readManifest(sharded);
    assertThat(s.fingerprint()).isEqualTo(w.fingerprint());
    assertThat(w.train().shards()).isEmpty();
    assertThat(s.train().rows()).isEqualTo(w.train().rows());
    assertThat(s.train().shards())
        .hasSize((int) ((w.train().rows() + 99) / 100))
        .allSatisfy(e -> assertThat(e.rows()).isBetween(1L, 100L));
    assertThat(s.train().shards().get(0).file()).isEqualTo("train-00000.arrow");
    assertThat(s.test().shards()).isNotEmpty();
    assertThat(s.validation().shards()).isNotEmpty();
    assertThat(TestData.list(sharded)).doesNotContain("train.arrow");
    // and it reads back whole, through the in-memory path too
    try (ArrowInteractionDataset a = ArrowInteractionDataset.open(whole);
        ArrowInteractionDataset b = ArrowInteractionDataset.open(sharded)) {
      assertThat(b.trainByUser()).usingRecursiveComparison().isEqualTo(a.trainByUser());
      assertThat(b.info())
          .usingRecursiveComparison()
          .ignoringFields("location")
          .isEqualTo(a.info());
    }
  }

  @Test
  void streamingKeepsTheMatricesAndTrainsOnEveryInteractionOncePerEpoch(@TempDir Path tmp) {
    Path dir = imported(tmp, "sharded", 64);
    BatchSpec spec = new BatchSpec(32, false, 9, 2);
    try (ArrowInteractionDataset memory = ArrowInteractionDataset.open(dir);
        ArrowInteractionDataset streamed = ArrowInteractionDataset.openStreaming(dir, 2)) {
      assertThat(streamed.streaming()).isTrue();
      assertThat(memory.streaming()).isFalse();
      assertThat(streamed.info()).isEqualTo(memory.info());
      for (CsrMatrix[] m :
          new CsrMatrix[][] {
            {memory.trainByUser(), streamed.trainByUser()},
            {memory.testByUser(), streamed.testByUser()},
            {memory.validationByUser().orElseThrow(), streamed.validationByUser().orElseThrow()},
            {memory.testExclusion(), streamed.testExclusion()}
          }) {
        assertThat(m[1]).usingRecursiveComparison().isEqualTo(m[0]);
      }
      assertThat(streamed.itemTrainCounts()).isEqualTo(memory.itemTrainCounts());
      assertThat(streamed.originalUserIds()).isEqualTo(memory.originalUserIds());
      assertThat(streamed.batchesPerEpoch(spec)).isEqualTo(memory.batchesPerEpoch(spec));

      List<long[]> epoch0 = pairs(streamed, spec, 0);
      // the same multiset of pairs as the in-memory shuffle: the train split, each row once
      assertThat(sortedKeys(epoch0)).isEqualTo(sortedKeys(pairs(memory, spec, 0)));
      assertThat(epoch0).hasSize((int) memory.info().numTrain());
      // reproducible per (seed, epoch), another order in another epoch
      assertThat(pairs(streamed, spec, 0)).usingRecursiveComparison().isEqualTo(epoch0);
      assertThat(pairs(streamed, spec, 1)).usingRecursiveComparison().isNotEqualTo(epoch0);
    }
  }

  @Test
  void theArrowSourceStreamsWithStreamShardsAndNamesTheKeyWhenItCannot(@TempDir Path tmp) {
    Path sharded = imported(tmp, "sharded", 64);
    Path whole = imported(tmp, "whole", 0);
    ArrowDirectorySource source = new ArrowDirectorySource();
    DatasetContext ctx = new DatasetContext(tmp.resolve("cache"), 1);
    try (InteractionDataset ds =
        source.open(
            ctx, Options.of("data", Map.of("path", sharded.toString(), "stream-passes", 3)))) {
      assertThat(((ArrowInteractionDataset) ds).streaming()).isTrue();
    }
    assertThatThrownBy(
            () ->
                source.open(
                    ctx, Options.of("data", Map.of("path", whole.toString(), "stream-passes", 3))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.stream-passes")
        .hasMessageContaining("shard-rows");
    assertThatThrownBy(() -> ArrowInteractionDataset.openStreaming(whole, 1))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("nothing to stream");
  }

  @Test
  void aShardChangedAfterOpeningIsNamedByTheEpochThatReadsIt(@TempDir Path tmp) throws IOException {
    Path dir = imported(tmp, "sharded", 64);
    // a modified shard is refused at open: the fingerprint covers every shard
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.openStreaming(dir, 1)) {
      FileEntry last = ds.manifest().train().shards().get(2);
      Path file = dir.resolve(last.file());
      InteractionTable t;
      try (BufferAllocator allocator = new RootAllocator()) {
        t = ArrowColumns.readInteractions(file, last.rows(), true, false, allocator);
      }
      // the loader's read holds the pairs only
      assertThat(DatasetReader.readShard(dir, ds.manifest(), last).hasTimestamps()).isFalse();
      // another user for one row: the item counts still agree, only the fingerprint can tell
      int[] users = t.userIds().clone();
      users[0] = (users[0] + 1) % ds.info().numUsers();
      try (BufferAllocator allocator = new RootAllocator()) {
        Files.delete(file);
        ArrowColumns.writeInteractions(
            file, new InteractionTable(users, t.itemIds(), t.timestamps(), null), allocator);
      }
      assertThatThrownBy(() -> ArrowInteractionDataset.openStreaming(dir, 1))
          .hasMessageContaining("fingerprint");

      // a shard that disappears while training is named by the epoch that needs it
      Files.delete(file);
      assertThatThrownBy(() -> pairs(ds, new BatchSpec(16, false, 1, 0), 0))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining(last.file());
    }
  }
}
