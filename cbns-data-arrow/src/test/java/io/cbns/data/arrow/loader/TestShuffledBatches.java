package io.cbns.data.arrow.loader;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.InteractionBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class TestShuffledBatches {
  private static final int N = 1000;

  /** Row r is the pair (r / 10, r): every row is identifiable by its item. */
  private static final int[] USERS = new int[N];

  private static final int[] ITEMS = new int[N];

  static {
    for (int r = 0; r < N; r++) {
      USERS[r] = r / 10;
      ITEMS[r] = r;
    }
  }

  private static List<InteractionBatch> epoch(BatchSpec spec, int epoch) {
    List<InteractionBatch> out = new ArrayList<>();
    new ShuffledBatches(USERS, ITEMS, spec, epoch).forEachRemaining(out::add);
    return out;
  }

  private static long[] items(List<InteractionBatch> batches) {
    return batches.stream().flatMapToLong(b -> Arrays.stream(b.itemIds())).toArray();
  }

  @Test
  void everyInteractionExactlyOnceWithItsOwnUser() {
    List<InteractionBatch> batches = epoch(new BatchSpec(64, false, 3, 0), 0);
    assertThat(batches).hasSize(16); // 15 full + 40 left over
    assertThat(batches.get(15).size()).isEqualTo(40);
    long[] items = items(batches);
    assertThat(items).hasSize(N);
    assertThat(Arrays.stream(items).sorted().toArray())
        .isEqualTo(Arrays.stream(ITEMS).asLongStream().toArray());
    for (InteractionBatch b : batches) {
      for (int k = 0; k < b.size(); k++) {
        assertThat(b.userIds()[k]).isEqualTo(b.itemIds()[k] / 10);
      }
    }
    // shuffled, not the file order
    assertThat(items).isNotEqualTo(Arrays.stream(ITEMS).asLongStream().toArray());
  }

  @Test
  void orderIsAFunctionOfSeedAndEpoch() {
    long[] a = items(epoch(new BatchSpec(100, false, 5, 0), 2));
    long[] b = items(epoch(new BatchSpec(100, false, 5, 4), 2)); // prefetch does not matter
    long[] otherSeed = items(epoch(new BatchSpec(100, false, 6, 0), 2));
    long[] otherEpoch = items(epoch(new BatchSpec(100, false, 5, 0), 3));
    assertThat(a).isEqualTo(b);
    assertThat(otherSeed).isNotEqualTo(a);
    assertThat(otherEpoch).isNotEqualTo(a);
    // the batch size only cuts the same order differently
    assertThat(items(epoch(new BatchSpec(7, false, 5, 0), 2))).isEqualTo(a);
  }

  @Test
  void dropLastDropsOnlyThePartialBatch() {
    BatchSpec spec = new BatchSpec(64, true, 3, 0);
    List<InteractionBatch> dropped = epoch(spec, 0);
    assertThat(dropped).hasSize(15).allMatch(b -> b.size() == 64);
    assertThat(ShuffledBatches.numBatches(N, spec)).isEqualTo(15);
    long[] kept = items(epoch(new BatchSpec(64, false, 3, 0), 0));
    assertThat(items(dropped)).isEqualTo(Arrays.copyOf(kept, 960));
    assertThat(epoch(new BatchSpec(100, true, 3, 0), 0)).hasSize(10); // exact multiple
    assertThat(epoch(new BatchSpec(2000, true, 3, 0), 0)).isEmpty();
    assertThat(epoch(new BatchSpec(2000, false, 3, 0), 0)).hasSize(1);
  }

  @Test
  void permutationIsUniformEnoughToVisitEveryPosition() {
    // item 0 should land in many different positions across epochs
    Set<Integer> positions = new HashSet<>();
    for (int e = 0; e < 50; e++) {
      int[] perm = EpochShuffle.permutation(N, 1, e);
      for (int k = 0; k < N; k++) {
        if (perm[k] == 0) {
          positions.add(k);
        }
      }
    }
    assertThat(positions.size()).isGreaterThan(45);
  }
}
