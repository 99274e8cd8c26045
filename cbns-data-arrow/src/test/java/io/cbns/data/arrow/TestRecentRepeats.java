package io.cbns.data.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.core.config.Options;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.RecentRepeats;
import io.cbns.data.arrow.importer.DatasetImporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each user's latest train interactions repeated in every epoch ({@link RecentRepeats}). */
final class TestRecentRepeats {
  // user 0 lists 5 items, user 1 four, user 2 one (never repeated: a user keeps >= 1 row once)
  private static final String TRAIN = "0 4 0 3 1 2\n1 5 2 6 7\n2 1\n";
  private static final String TEST = "0 5\n1 0\n2 4\n";

  private static Path imported(Path tmp, String name, Map<String, Object> extra) {
    Path src = tmp.resolve("src");
    TestData.write(src, "train.txt", TRAIN);
    TestData.write(src, "test.txt", TEST);
    Map<String, Object> o = new HashMap<>(extra);
    o.put("path", src.toString());
    Path out = tmp.resolve(name);
    DatasetImporter.run("lightgcn", Options.of("import", o), out);
    return out;
  }

  @Test
  void anEpochHoldsEveryRowOnceAndEachUsersLatestRowsAgain(@TempDir Path tmp) {
    Path dir = imported(tmp, "timed", Map.of("line-order", "time"));
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(dir)) {
      BatchSpec once = new BatchSpec(3, false, 7, 0);
      BatchSpec twice = new BatchSpec(3, false, 7, 0, new RecentRepeats(0.4, 2));
      assertThat(ds.epochRows(once)).isEqualTo(10);
      // round(0.4 x 5) = 2 of user 0's (items 1 and 2, the last in its line), round(0.4 x 4) = 2
      // of user 1's (6 and 7), none of user 2's: 4 rows, twice more each
      assertThat(ds.epochRows(twice)).isEqualTo(10 + 4 * 2);
      assertThat(ds.batchesPerEpoch(twice)).isEqualTo(6);
      List<String> expected = new ArrayList<>(TestData.epochPairs(ds, once, 0));
      for (int c = 0; c < 2; c++) {
        expected.addAll(List.of("0:1", "0:2", "1:6", "1:7"));
      }
      List<String> e0 = TestData.epochPairs(ds, twice, 0);
      assertThat(e0).containsExactlyInAnyOrderElementsOf(expected);
      // the order is a function of (seed, epoch): the same again, another one next epoch
      assertThat(TestData.epochPairs(ds, twice, 0)).isEqualTo(e0);
      assertThat(TestData.epochPairs(ds, twice, 1)).isNotEqualTo(e0).hasSameSizeAs(e0);
      // the repeats leave what evaluation and the counts read alone
      assertThat(ds.trainByUser().row(0)).containsExactly(0, 1, 2, 3, 4);
      assertThat(ds.itemTrainCounts()).containsExactly(1, 2, 2, 1, 1, 1, 1, 1);
    }
  }

  @Test
  void repeatsNeedTimestampsAndATrainSplitInMemory(@TempDir Path tmp) {
    BatchSpec repeats = new BatchSpec(2, false, 7, 0, new RecentRepeats(0.5, 1));
    try (ArrowInteractionDataset ds =
        ArrowInteractionDataset.open(imported(tmp, "plain", Map.of()))) {
      assertThatThrownBy(() -> ds.epochRows(repeats))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("training.recent-fraction needs the train interactions' timestamps")
          .hasMessageContaining("line-order: time");
      assertThatThrownBy(() -> ds.trainBatches(repeats, 0)).isInstanceOf(CbnsException.class);
    }
    Path sharded = imported(tmp, "sharded", Map.of("line-order", "time", "shard-rows", 4));
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.openStreaming(sharded, 2)) {
      assertThatThrownBy(() -> ds.trainBatches(repeats, 0))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("this one is streamed");
    }
    assertThatThrownBy(() -> new RecentRepeats(1.0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RecentRepeats(0.2, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new RecentRepeats(0, 0).isOff()).isTrue();
  }
}
