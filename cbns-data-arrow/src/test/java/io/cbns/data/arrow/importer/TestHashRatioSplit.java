package io.cbns.data.arrow.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.TestData;
import io.cbns.data.arrow.format.DatasetReader;
import io.cbns.data.arrow.format.InteractionTable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
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
  void latestRatioHoldsOutEachUsersLatestRowsWithTiesToTheLargerItem() {
    // user 0: items 1..5 at times 50, 10, 40, 40, 20; user 1: items 2, 7 at the same time; user 2:
    // one row, which stays in train
    InteractionTable t =
        new InteractionTable(
            new int[] {0, 0, 0, 0, 0, 1, 1, 2},
            new int[] {1, 2, 3, 4, 5, 2, 7, 9},
            new long[] {50, 10, 40, 40, 20, 3, 3, 1},
            null);
    // 0.4 x 5 = 2 of user 0's (item 1 at 50, then item 4 of the two at 40); 1 of user 1's
    boolean[] held = DatasetAssembler.holdOut(t, SplitMethod.LATEST_RATIO, 0.4, 1);
    assertThat(held).containsExactly(true, false, false, true, false, false, true, false);
    // 0.6 x 5 = 3: both rows at 40; the counts never take a user's last row
    held = DatasetAssembler.holdOut(t, SplitMethod.LATEST_RATIO, 0.6, 1);
    assertThat(held).containsExactly(true, false, true, true, false, false, true, false);
    assertThatThrownBy(
            () ->
                DatasetAssembler.holdOut(
                    InteractionTable.of(new int[] {0, 0}, new int[] {1, 2}),
                    SplitMethod.LATEST_RATIO,
                    0.5,
                    1))
        .hasMessageContaining("latest-ratio needs timestamps");
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

  @Test
  void aGivenTrainIsCarvedWithValidationSplit(@TempDir Path tmp) {
    // train: 20 users x 10 items with times; test: one more item per user
    StringBuilder train = new StringBuilder();
    StringBuilder test = new StringBuilder();
    for (int u = 1; u <= 20; u++) {
      for (int i = 1; i <= 10; i++) {
        train.append(u).append(',').append(i * u % 37).append(',').append(100 * i + u).append('\n');
      }
      test.append(u).append(',').append((u * 11) % 37).append(",5000\n");
    }
    Map<String, Object> o = new HashMap<>();
    o.put("train-path", TestData.write(tmp, "train.csv", train.toString()).toString());
    o.put("test-path", TestData.write(tmp, "test.csv", test.toString()).toString());
    o.put("timestamp-column", 2);
    o.put("validation-ratio", 0.3);
    o.put("unseen-test", "keep"); // every carved row stays, whether its item is left in train
    Map<String, int[]> carved = new HashMap<>();
    for (String method :
        new String[] {"default", "ratio", "hash-ratio", "leave-last-out", "latest-ratio"}) {
      Map<String, Object> with = new HashMap<>(o);
      if (!method.equals("default")) {
        with.put("validation-split", method);
      }
      Path out = tmp.resolve("d-" + method);
      DatasetImporter.run("delimited", Options.of("import", with), out);
      InteractionTable validation = DatasetReader.read(out).content().validation();
      carved.put(method, validation.itemIds());
      // 3 of each user's 10 (one for leave-last-out: the latest, item 10 * u % 37)
      assertThat(validation.size()).as(method).isEqualTo(method.equals("leave-last-out") ? 20 : 60);
      if (method.equals("leave-last-out")) {
        for (int r = 0; r < validation.size(); r++) {
          assertThat(validation.timestamps()[r] / 100).as("the latest").isEqualTo(10);
        }
      }
      if (method.equals("latest-ratio")) {
        for (int r = 0; r < validation.size(); r++) {
          assertThat(validation.timestamps()[r] / 100).as("the latest three").isBetween(8L, 10L);
        }
      }
      assertThat(DatasetReader.readManifest(out).build().options().get("validation-split"))
          .isEqualTo(method.equals("default") ? null : method);
    }
    // the default is the sequential ratio carve (datasets imported before the key are unchanged);
    // hash-ratio holds out as many rows per user, other ones
    assertThat(carved.get("ratio")).isEqualTo(carved.get("default"));
    assertThat(carved.get("hash-ratio")).isNotEqualTo(carved.get("ratio"));
  }

  @Test
  void optionsReadBackFromTheirResolvedFormGiveTheSameImport(@TempDir Path tmp) {
    // a run writes the resolved options into its config.yaml and a resumed run reads them again:
    // every default they hold must be accepted back
    Path log = TestData.write(tmp, "log.csv", "1,10,5\n1,20,6\n2,10,7\n2,30,8\n");
    Path dir = tmp.resolve("lgcn");
    TestData.write(dir, "train.txt", "0 1 2\n1 2 3\n");
    TestData.write(dir, "test.txt", "0 3\n");
    List<Map<String, Object>> delimited =
        List.of(
            Map.of("path", log.toString()),
            Map.of("train-path", log.toString(), "test-path", log.toString()),
            Map.of(
                "train-path",
                log.toString(),
                "test-path",
                log.toString(),
                "timestamp-column",
                2,
                "validation-ratio",
                0.2,
                "validation-split",
                "leave-last-out"));
    for (Map<String, Object> given : delimited) {
      Options o = Options.of("data", given);
      ImportSpec first = DelimitedImport.fromOptions(o);
      ImportSpec again = DelimitedImport.fromOptions(Options.of("data", o.resolved()));
      assertThat(again.resolvedOptions()).as("%s", given).isEqualTo(first.resolvedOptions());
    }
    for (Map<String, Object> given :
        List.<Map<String, Object>>of(
            Map.of("path", dir.toString()),
            Map.of(
                "path", dir.toString(), "validation-ratio", 0.3, "validation-split", "hash-ratio"),
            Map.of(
                "path",
                dir.toString(),
                "validation-ratio",
                0.3,
                "validation-split",
                "latest-ratio",
                "line-order",
                "time"))) {
      Options o = Options.of("data", given);
      ImportSpec first = LightGcnImport.fromOptions(o);
      ImportSpec again = LightGcnImport.fromOptions(Options.of("data", o.resolved()));
      assertThat(again.resolvedOptions()).as("%s", given).isEqualTo(first.resolvedOptions());
    }
  }

  @Test
  void validationSplitIsRefusedWhereItCannotApply(@TempDir Path tmp) {
    Path log = TestData.write(tmp, "log.csv", "1,10\n1,20\n2,10\n2,30\n");
    Map<String, Object> single = new HashMap<>();
    single.put("path", log.toString());
    single.put("validation-ratio", 0.1);
    single.put("validation-split", "hash-ratio");
    assertRefused(
        tmp, "delimited", single, "one file's validation is carved with its split method");
    Map<String, Object> given = new HashMap<>();
    given.put("train-path", log.toString());
    given.put("test-path", log.toString());
    given.put("validation-split", "hash-ratio");
    assertRefused(tmp, "delimited", given, "only applies with validation-ratio > 0");
    given.put("validation-ratio", 0.1);
    given.put("validation-split", "leave-last-out");
    assertRefused(tmp, "delimited", given, "leave-last-out needs timestamp-column");
    Path dir = tmp.resolve("lgcn");
    TestData.write(dir, "train.txt", "0 1 2\n");
    TestData.write(dir, "test.txt", "0 3\n");
    Map<String, Object> lgcn = new HashMap<>();
    lgcn.put("path", dir.toString());
    lgcn.put("validation-ratio", 0.1);
    for (String method : List.of("leave-last-out", "latest-ratio")) {
      lgcn.put("validation-split", method);
      assertRefused(tmp, "lightgcn", lgcn, method + " needs timestamps");
      assertRefused(tmp, "lightgcn", lgcn, "set line-order: time if they do");
    }
    lgcn.put("line-order", "chronological");
    assertThatThrownBy(
            () -> DatasetImporter.run("lightgcn", Options.of("import", lgcn), tmp.resolve("never")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line-order");
  }

  private static void assertRefused(
      Path tmp, String format, Map<String, Object> o, String message) {
    assertThatThrownBy(
            () -> DatasetImporter.run(format, Options.of("import", o), tmp.resolve("never")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("validation-split")
        .hasMessageContaining(message);
    assertThat(tmp.resolve("never")).doesNotExist();
  }
}
