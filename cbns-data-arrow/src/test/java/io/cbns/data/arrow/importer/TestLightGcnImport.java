package io.cbns.data.arrow.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.BatchSpec;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.TestData;
import io.cbns.data.arrow.format.DatasetContent;
import io.cbns.data.arrow.format.DatasetReader;
import io.cbns.data.arrow.format.InteractionTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestLightGcnImport {
  // user 3 lists item 5 twice; a blank line; item 6 and user 4 occur only in test
  static final String TRAIN = "0 0 1 2\n1 2 3\n\n2 0 4\n3 5 5 1\n";
  static final String TEST = "0 3\n1 0 6\n2 5\n3 2\n4 1\n";

  private static Path fixture(Path tmp, String train, String test) {
    Path dir = tmp.resolve("src");
    TestData.write(dir, "train.txt", train);
    TestData.write(dir, "test.txt", test);
    return dir;
  }

  private static ImportReport run(Path src, Path out, Map<String, Object> extra) {
    Map<String, Object> o = new HashMap<>(extra);
    o.put("path", src.toString());
    return DatasetImporter.run("lightgcn", Options.of("import", o), out);
  }

  @Test
  void roundTripGivesExactlyThePairsCountsAndHistories(@TempDir Path tmp) {
    Path out = tmp.resolve("out");
    ImportReport r = run(fixture(tmp, TRAIN, TEST), out, Map.of());

    assertThat(r.numUsers()).isEqualTo(5); // ids as given: the largest user id is 4
    assertThat(r.numItems()).isEqualTo(7);
    assertThat(r.trainInteractions()).isEqualTo(9);
    assertThat(r.duplicates()).isEqualTo(1);
    assertThat(r.unseenDropped()).isEqualTo(2); // (1, 6): item 6 unseen; (4, 1): user 4 unseen
    assertThat(r.testInteractions()).isEqualTo(4);
    assertThat(r.linesRead()).isEqualTo(9);
    assertThat(r.summary()).contains("1 duplicate pairs removed", "2 test/validation");

    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(out)) {
      assertThat(ds.trainByUser().row(0)).containsExactly(0, 1, 2);
      assertThat(ds.trainByUser().row(1)).containsExactly(2, 3);
      assertThat(ds.trainByUser().row(2)).containsExactly(0, 4);
      assertThat(ds.trainByUser().row(3)).containsExactly(1, 5);
      assertThat(ds.trainByUser().row(4)).isEmpty();
      assertThat(ds.testByUser().row(0)).containsExactly(3);
      assertThat(ds.testByUser().row(1)).containsExactly(0);
      assertThat(ds.testByUser().row(2)).containsExactly(5);
      assertThat(ds.testByUser().row(3)).containsExactly(2);
      assertThat(ds.testByUser().row(4)).isEmpty();
      assertThat(ds.itemTrainCounts()).containsExactly(2, 2, 2, 1, 1, 1, 0);
      assertThat(ds.validationByUser()).isEmpty();
      assertThat(ds.originalUserIds()).isEmpty();
      assertThat(ds.info().name()).isEqualTo("src");
      assertThat(ds.info().numTrain()).isEqualTo(9);
      assertThat(ds.manifest().build().importer()).isEqualTo("lightgcn");
      assertThat(ds.manifest().build().sourceFiles()).hasSize(2);
      assertThat(ds.manifest().build().stats()).containsEntry("duplicates", 1L);

      List<String> expected =
          List.of("0:0", "0:1", "0:2", "1:2", "1:3", "2:0", "2:4", "3:1", "3:5");
      List<String> e0 = TestData.epochPairs(ds, new BatchSpec(2, false, 11, 2), 0);
      assertThat(e0).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(TestData.epochPairs(ds, new BatchSpec(2, false, 11, 0), 0)).isEqualTo(e0);
      assertThat(TestData.epochPairs(ds, new BatchSpec(4, true, 11, 1), 0))
          .hasSize(8)
          .isEqualTo(e0.subList(0, 8));
      assertThat(ds.batchesPerEpoch(new BatchSpec(4, true, 11, 1))).isEqualTo(2);
      assertThat(ds.batchesPerEpoch(new BatchSpec(4, false, 11, 1))).isEqualTo(3);
    }
  }

  @Test
  void sameSourceSameFingerprintAndDifferentSeedsGiveDifferentOrders(@TempDir Path tmp) {
    Path src = fixture(tmp, TRAIN, TEST);
    ImportReport a = run(src, tmp.resolve("a"), Map.of());
    ImportReport b = run(src, tmp.resolve("b"), Map.of("name", "other"));
    assertThat(b.fingerprint()).isEqualTo(a.fingerprint());
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(tmp.resolve("a"))) {
      // 9! orders: seeds 1..5 cannot all coincide by chance
      List<String> first = TestData.epochPairs(ds, new BatchSpec(3, false, 1, 0), 0);
      boolean anyDifferent = false;
      for (long seed = 2; seed <= 5; seed++) {
        anyDifferent |= !TestData.epochPairs(ds, new BatchSpec(3, false, seed, 0), 0).equals(first);
      }
      assertThat(anyDifferent).isTrue();
    }
  }

  @Test
  void keepPolicyKeepsUnseenTestRows(@TempDir Path tmp) {
    ImportReport r =
        run(fixture(tmp, TRAIN, TEST), tmp.resolve("out"), Map.of("unseen-test", "keep"));
    assertThat(r.unseenKept()).isEqualTo(2);
    assertThat(r.unseenDropped()).isZero();
    assertThat(r.testInteractions()).isEqualTo(6);
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(tmp.resolve("out"))) {
      assertThat(ds.testByUser().row(4)).containsExactly(1);
      assertThat(ds.testByUser().row(1)).containsExactly(0, 6);
    }
  }

  @Test
  void removesTestPairsThatAreAlsoInTrain(@TempDir Path tmp) {
    ImportReport r = run(fixture(tmp, TRAIN, "0 3 0\n1 1\n"), tmp.resolve("out"), Map.of());
    assertThat(r.trainTestOverlap()).isEqualTo(1);
    assertThat(r.testInteractions()).isEqualTo(2);
  }

  @Test
  void carvesASeededValidationSplitOutOfTrain(@TempDir Path tmp) {
    StringBuilder train = new StringBuilder();
    StringBuilder test = new StringBuilder();
    for (int u = 0; u < 20; u++) {
      train.append(u);
      for (int i = 0; i < 10; i++) {
        train.append(' ').append((u + i) % 30);
      }
      train.append('\n');
      test.append(u).append(' ').append((u + 10) % 30).append('\n');
    }
    Path src = fixture(tmp, train.toString(), test.toString());
    ImportReport r = run(src, tmp.resolve("v1"), Map.of("validation-ratio", 0.2, "seed", 5));
    ImportReport same = run(src, tmp.resolve("v2"), Map.of("validation-ratio", 0.2, "seed", 5));
    ImportReport other = run(src, tmp.resolve("v3"), Map.of("validation-ratio", 0.2, "seed", 6));
    assertThat(r.trainInteractions() + r.validationInteractions()).isEqualTo(200);
    assertThat(r.validationInteractions()).isEqualTo(40); // round(0.2 x 10) per user
    assertThat(same.fingerprint()).isEqualTo(r.fingerprint());
    assertThat(other.fingerprint()).isNotEqualTo(r.fingerprint());
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(tmp.resolve("v1"))) {
      assertThat(ds.validationByUser()).isPresent();
      for (int u = 0; u < 20; u++) {
        assertThat(ds.validationByUser().get().rowLength(u)).isEqualTo(2);
        for (int item : ds.validationByUser().get().row(u)) {
          assertThat(ds.trainByUser().contains(u, item)).isFalse();
        }
      }
    }
  }

  @Test
  void lineOrderAsTimeCarvesEachUsersLastItems(@TempDir Path tmp) {
    // items listed out of id order; user 1 has a second train line, which continues its sequence
    Path src = fixture(tmp, "0 4 0 3 1 2\n1 5 2\n2 1 0\n1 3\n", "0 5\n1 0\n2 4\n");
    Map<String, Object> o = new HashMap<>();
    o.put("validation-ratio", 0.4);
    o.put("validation-split", "latest-ratio");
    o.put("line-order", "time");
    ImportReport r = run(src, tmp.resolve("out"), o);
    assertThat(r.validationInteractions()).isEqualTo(2 + 1 + 1);
    DatasetContent c = DatasetReader.read(tmp.resolve("out")).content();
    // validation: each user's last round(0.4 n) items in line order (user 2's 0.8 rounds to 1)
    assertThat(rows(c.validation())).containsExactly("0:1@3", "0:2@4", "1:3@2", "2:0@1");
    assertThat(rows(c.train()))
        .containsExactly("0:0@1", "0:3@2", "0:4@0", "1:2@1", "1:5@0", "2:1@0");
    // test rows are numbered on after the user's train rows: the test file follows train in time
    assertThat(rows(c.test())).containsExactly("0:5@5", "1:0@3", "2:4@2");
    assertThat(DatasetReader.readManifest(tmp.resolve("out")).build().options())
        .containsEntry("line-order", "time");

    // without the key the rows carry no time, and the options recorded for a dataset stay as
    // they were (so does its fingerprint)
    ImportReport plain = run(src, tmp.resolve("plain"), Map.of());
    assertThat(DatasetReader.read(tmp.resolve("plain")).content().train().hasTimestamps())
        .isFalse();
    assertThat(DatasetReader.readManifest(tmp.resolve("plain")).build().options())
        .doesNotContainKey("line-order");
    ImportReport timed = run(src, tmp.resolve("timed"), Map.of("line-order", "time"));
    assertThat(timed.fingerprint()).isNotEqualTo(plain.fingerprint());
  }

  /** The rows as {@code user:item@timestamp}, in the table's (user, item) order. */
  private static List<String> rows(InteractionTable t) {
    List<String> out = new ArrayList<>();
    for (int r = 0; r < t.size(); r++) {
      out.add(t.userIds()[r] + ":" + t.itemIds()[r] + "@" + t.timestamps()[r]);
    }
    return out;
  }

  @Test
  void malformedTokenNamesFileAndLine(@TempDir Path tmp) {
    assertFailsCleanly(
        tmp,
        "0 1 2\n1 3 x4\n",
        TEST,
        "train.txt:2: expected a non-negative integer item id, found 'x4'");
  }

  @Test
  void negativeIdIsRejected(@TempDir Path tmp) {
    assertFailsCleanly(tmp, TRAIN, "0 3\n-1 2\n", "test.txt:2: negative user id -1");
  }

  @Test
  void overflowingIdIsRejected(@TempDir Path tmp) {
    assertFailsCleanly(
        tmp,
        "0 1 99999999999\n",
        TEST,
        "train.txt:1: item id 99999999999 does not fit in a 32-bit id");
  }

  @Test
  void emptyFileIsRejected(@TempDir Path tmp) {
    assertFailsCleanly(tmp, TRAIN, "\n  \n", "test.txt: empty file");
  }

  @Test
  void trainWithoutInteractionsIsRejected(@TempDir Path tmp) {
    assertFailsCleanly(tmp, "0\n1\n", TEST, "train.txt: no interactions");
  }

  @Test
  void sparseIdsAreRejected(@TempDir Path tmp) {
    assertFailsCleanly(tmp, "0 1 2000000000\n", "0 1\n", "the largest item id is 2000000000");
  }

  @Test
  void testWithOnlyUnseenRowsIsRejected(@TempDir Path tmp) {
    assertFailsCleanly(
        tmp, TRAIN, "9 1\n", "no test interactions left (unseen-test: drop removed 1");
  }

  @Test
  void missingTestFileIsRejected(@TempDir Path tmp) throws Exception {
    Path src = fixture(tmp, TRAIN, TEST);
    Files.delete(src.resolve("test.txt"));
    assertFailsCleanly(tmp, src, "test.txt: not found");
  }

  @Test
  void badOptionsNameTheKey(@TempDir Path tmp) {
    Path src = fixture(tmp, TRAIN, TEST);
    assertThatThrownBy(() -> run(tmp.resolve("nope"), tmp.resolve("o"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("import.path: no such directory");
    assertThatThrownBy(() -> run(src, tmp.resolve("o"), Map.of("unseen-tset", "drop")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("import.unseen-tset: unknown key")
        .hasMessageContaining("unseen-test");
    assertThatThrownBy(() -> run(src, tmp.resolve("o"), Map.of("unseen-test", "maybe")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("import.unseen-test: unknown value 'maybe'");
    assertThatThrownBy(
            () -> DatasetImporter.run("parquet", Options.empty("import"), tmp.resolve("o")))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("unknown import format 'parquet'; available: delimited, lightgcn");
    assertThat(Files.exists(tmp.resolve("o"))).isFalse();
  }

  @Test
  void existingOutputIsRefusedBeforeReadingAndOverwriteReplacesIt(@TempDir Path tmp) {
    Path src = fixture(tmp, TRAIN, TEST);
    Path out = tmp.resolve("out");
    run(src, out, Map.of());
    assertThatThrownBy(() -> run(src, out, Map.of()))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("already exists");
    ImportReport again = run(src, out, Map.of("overwrite", true, "unseen-test", "keep"));
    assertThat(again.testInteractions()).isEqualTo(6);
  }

  private static void assertFailsCleanly(Path tmp, String train, String test, String message) {
    assertFailsCleanly(tmp, fixture(tmp, train, test), message);
  }

  private static void assertFailsCleanly(Path tmp, Path src, String message) {
    Path outs = tmp.resolve("outs");
    assertThatThrownBy(() -> run(src, outs.resolve("ds"), Map.of()))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining(message);
    assertThat(TestData.list(outs)).as("no output or temp directory left").isEmpty();
  }
}
