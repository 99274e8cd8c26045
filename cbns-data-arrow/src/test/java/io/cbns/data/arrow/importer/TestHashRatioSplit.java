package io.cbns.data.arrow.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.core.config.Options;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.TestData;
import io.cbns.data.arrow.format.InteractionTable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestHashRatioSplit {
  /** Users 0..numUsers-1, each with a random number of distinct items, sorted by (user, item). */
  private static InteractionTable table(int numUsers, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] u = new int[numUsers * 40];
    int[] i = new int[u.length];
    int n = 0;
    for (int user = 0; user < numUsers; user++) {
      int count = 1 + r.nextInt(30);
      int item = r.nextInt(5);
      for (int k = 0; k < count; k++) {
        u[n] = user;
        i[n++] = item;
        item += 1 + r.nextInt(7);
      }
    }
    return InteractionTable.of(Arrays.copyOf(u, n), Arrays.copyOf(i, n));
  }

  /** The rows of the users in [from, to), as their own table. */
  private static InteractionTable users(InteractionTable t, int from, int to) {
    int[] u = t.userIds();
    int s = 0;
    while (s < u.length && u[s] < from) {
      s++;
    }
    int e = s;
    while (e < u.length && u[e] < to) {
      e++;
    }
    return InteractionTable.of(Arrays.copyOfRange(u, s, e), Arrays.copyOfRange(t.itemIds(), s, e));
  }

  @Test
  void holdsOutTheRatiosCountPerUser() {
    InteractionTable t = table(200, 1);
    boolean[] hashed = DatasetAssembler.holdOut(t, SplitMethod.HASH_RATIO, 0.3, 99);
    boolean[] sequential = DatasetAssembler.holdOut(t, SplitMethod.RATIO, 0.3, 99);
    int[] perUserHashed = new int[200];
    int[] perUserSequential = new int[200];
    int[] sizes = new int[200];
    for (int r = 0; r < t.size(); r++) {
      sizes[t.userIds()[r]]++;
      perUserHashed[t.userIds()[r]] += hashed[r] ? 1 : 0;
      perUserSequential[t.userIds()[r]] += sequential[r] ? 1 : 0;
    }
    for (int user = 0; user < 200; user++) {
      int n = sizes[user];
      int expected = n < 2 ? 0 : (int) Math.min(Math.round(0.3 * n), n - 1L);
      assertThat(perUserHashed[user]).as("user %d of %d rows", user, n).isEqualTo(expected);
    }
    assertThat(perUserHashed).isEqualTo(perUserSequential);
    // the same counts, other rows: a different stream than the sequential one
    assertThat(hashed).isNotEqualTo(sequential);
    assertThat(DatasetAssembler.holdOut(t, SplitMethod.HASH_RATIO, 0.3, 100)).isNotEqualTo(hashed);
  }

  @Test
  void eachUsersRowsDependOnlyOnThatUser() {
    InteractionTable all = table(300, 2);
    boolean[] whole = DatasetAssembler.holdOut(all, SplitMethod.HASH_RATIO, 0.2, 7);
    // split into three partitions of users, as a parallel importer would, and compare
    int offset = 0;
    for (int[] range : new int[][] {{0, 97}, {97, 210}, {210, 300}}) {
      InteractionTable part = users(all, range[0], range[1]);
      boolean[] held = DatasetAssembler.holdOut(part, SplitMethod.HASH_RATIO, 0.2, 7);
      assertThat(held)
          .as("users %d..%d", range[0], range[1])
          .isEqualTo(Arrays.copyOfRange(whole, offset, offset + part.size()));
      // the sequential stream does not have this property past the first partition
      if (range[0] > 0) {
        assertThat(DatasetAssembler.holdOut(part, SplitMethod.RATIO, 0.2, 7))
            .isNotEqualTo(
                Arrays.copyOfRange(
                    DatasetAssembler.holdOut(all, SplitMethod.RATIO, 0.2, 7),
                    offset,
                    offset + part.size()));
      }
      offset += part.size();
    }
  }

  @Test
  void theDelimitedImporterAcceptsIt(@TempDir Path tmp) {
    StringBuilder sb = new StringBuilder();
    for (int u = 1; u <= 20; u++) {
      for (int i = 1; i <= 10; i++) {
        sb.append(u).append(',').append(i * u % 37).append('\n');
      }
    }
    Path file = TestData.write(tmp, "log.csv", sb.toString());
    Map<String, Object> o = new HashMap<>();
    o.put("path", file.toString());
    o.put("separator", ",");
    o.put("split", "hash-ratio");
    o.put("test-ratio", 0.2);
    o.put("validation-ratio", 0.1);
    ImportReport r = DatasetImporter.run("delimited", Options.of("import", o), tmp.resolve("d"));
    assertThat(r.testInteractions()).isEqualTo(20 * 2);
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(tmp.resolve("d"))) {
      assertThat(ds.manifest().build().options()).containsEntry("split", "hash-ratio");
      // validation carved with the same method: round(0.1 * 8) = 1 per user
      assertThat(ds.validationByUser().orElseThrow().nonZeros()).isEqualTo(20);
    }
  }
}
