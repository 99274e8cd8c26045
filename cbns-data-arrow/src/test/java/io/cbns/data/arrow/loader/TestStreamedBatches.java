package io.cbns.data.arrow.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.InteractionBatch;
import io.cbns.data.arrow.format.InteractionTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

final class TestStreamedBatches {
  /** Shard sizes, with an empty shard: 1,000 rows in all. */
  private static final long[] ROWS = {130, 250, 0, 97, 300, 223};

  /**
   * Row r is the pair (r / 10, r): every row is identifiable by its item, and each shard holds a
   * block of users, as the importers write them.
   */
  private static InteractionTable shard(int k) {
    int from = 0;
    for (int s = 0; s < k; s++) {
      from += (int) ROWS[s];
    }
    int n = (int) ROWS[k];
    int[] u = new int[n];
    int[] v = new int[n];
    for (int r = 0; r < n; r++) {
      u[r] = (from + r) / 10;
      v[r] = from + r;
    }
    return InteractionTable.of(u, v);
  }

  private static List<InteractionBatch> epoch(
      IntFunction<InteractionTable> read, int passes, BatchSpec spec, int epoch) {
    List<InteractionBatch> out = new ArrayList<>();
    StreamedBatches batches = new StreamedBatches(read, ROWS, passes, spec, epoch);
    batches.forEachRemaining(out::add);
    assertThat(out).hasSize(batches.numBatches());
    return out;
  }

  private static long[] items(List<InteractionBatch> batches) {
    return batches.stream().flatMapToLong(b -> Arrays.stream(b.itemIds())).toArray();
  }

  @Test
  void everyInteractionExactlyOncePerEpochInFullBatches() {
    for (int passes : new int[] {1, 2, 5, 2000}) {
      List<InteractionBatch> batches =
          epoch(TestStreamedBatches::shard, passes, new BatchSpec(64, false, 3, 0), 1);
      assertThat(batches).as("%d passes", passes).hasSize(16); // 15 full + 40 left over
      for (int b = 0; b < 15; b++) {
        assertThat(batches.get(b).size()).isEqualTo(64);
      }
      assertThat(batches.get(15).size()).isEqualTo(40);
      assertThat(Arrays.stream(items(batches)).sorted().toArray())
          .isEqualTo(LongStream.range(0, 1000).toArray());
      for (InteractionBatch batch : batches) {
        for (int k = 0; k < batch.size(); k++) {
          assertThat(batch.userIds()[k]).isEqualTo(batch.itemIds()[k] / 10);
        }
      }
    }
    // dropLast: the 40 rows left over are not trained on
    List<InteractionBatch> dropped =
        epoch(TestStreamedBatches::shard, 3, new BatchSpec(64, true, 3, 0), 0);
    assertThat(dropped).hasSize(15).allSatisfy(b -> assertThat(b.size()).isEqualTo(64));
    assertThat(Arrays.stream(items(dropped)).distinct().count()).isEqualTo(960);
  }

  @Test
  void orderIsAFunctionOfSeedAndEpoch() {
    BatchSpec spec = new BatchSpec(100, false, 5, 0);
    long[] a = items(epoch(TestStreamedBatches::shard, 3, spec, 2));
    assertThat(items(epoch(TestStreamedBatches::shard, 3, spec, 2))).isEqualTo(a);
    assertThat(items(epoch(TestStreamedBatches::shard, 3, spec, 3))).isNotEqualTo(a);
    assertThat(items(epoch(TestStreamedBatches::shard, 3, new BatchSpec(100, false, 6, 0), 2)))
        .isNotEqualTo(a);
  }

  @Test
  void eachPassHoldsAboutItsShareAndMixesEveryShard() {
    List<Integer> reads = new ArrayList<>();
    IntFunction<InteractionTable> read =
        k -> {
          reads.add(k);
          return shard(k);
        };
    StreamedBatches batches =
        new StreamedBatches(read, ROWS, 4, new BatchSpec(50, false, 11, 0), 0);
    InteractionBatch first = batches.next();
    // the first pass reads every shard once, and keeps about a quarter of the rows
    assertThat(reads).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(batches.largestPass()).isBetween(180, 320);
    // its rows come from all over the split, not from one block of users
    Set<Integer> shardsOfFirst = new HashSet<>();
    for (long item : first.itemIds()) {
      shardsOfFirst.add(shardOf(item));
    }
    assertThat(shardsOfFirst.size()).isGreaterThanOrEqualTo(4);
    batches.forEachRemaining(b -> {});
    // the split is read once per pass
    assertThat(reads).hasSize(4 * ROWS.length);
    assertThat(batches.largestPass()).isLessThan(340);
  }

  private static int shardOf(long item) {
    long end = 0;
    for (int s = 0; s < ROWS.length; s++) {
      end += ROWS[s];
      if (item < end) {
        return s;
      }
    }
    throw new AssertionError(item);
  }

  @Test
  void aShardThatChangedSizeIsAnError() {
    IntFunction<InteractionTable> shortShard =
        k -> k == 4 ? shard(4).slice(0, 10) : TestStreamedBatches.shard(k);
    StreamedBatches batches =
        new StreamedBatches(shortShard, ROWS, 1, new BatchSpec(64, false, 3, 0), 0);
    assertThatThrownBy(() -> batches.forEachRemaining(b -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shard 4 has 10 rows, expected 300");
    assertThatThrownBy(
            () ->
                new StreamedBatches(
                    TestStreamedBatches::shard, ROWS, 0, new BatchSpec(64, false, 3, 0), 0))
        .hasMessageContaining("passes must be >= 1");
  }
}
