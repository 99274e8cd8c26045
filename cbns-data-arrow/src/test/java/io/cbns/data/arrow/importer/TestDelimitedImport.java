package io.cbns.data.arrow.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.TestData;
import io.cbns.data.arrow.format.DatasetContent;
import io.cbns.data.arrow.format.DatasetReader;
import io.cbns.data.arrow.format.InteractionTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestDelimitedImport {
  /** MovieLens 100K layout: user, item, rating, timestamp; tab-separated, no header. */
  static final String U_DATA =
      String.join(
          "\n",
          "1\t10\t5\t100",
          "1\t20\t4\t200",
          "1\t30\t2\t300", // below the threshold: dropped, item 30 never gets an id
          "1\t40\t5\t400", // user 1's latest: test
          "2\t10\t4\t150",
          "2\t5\t5\t250", // user 2's latest: test
          "2\t10\t5\t50", // duplicate of (2, 10): the earliest (50) is kept
          "3\t20\t4\t10", // user 3's latest: test
          "3\t40\t4\t5",
          "3\t5\t4\t6",
          "");

  private static ImportReport run(Path out, Map<String, Object> options) {
    return DatasetImporter.run("delimited", Options.of("import", options), out);
  }

  private static Map<String, Object> uData(Path file) {
    Map<String, Object> o = pathOptions(file);
    o.put("separator", "tab");
    o.put("rating-column", 2);
    o.put("timestamp-column", 3);
    o.put("rating-threshold", 4);
    o.put("split", "leave-last-out");
    return o;
  }

  @Test
  void movieLensTabFileWithThresholdAndLeaveLastOut(@TempDir Path tmp) {
    Path file = TestData.write(tmp, "u.data", U_DATA);
    Path out = tmp.resolve("ml");
    ImportReport r = run(out, uData(file));

    assertThat(r.name()).isEqualTo("u");
    assertThat(r.linesRead()).isEqualTo(10);
    assertThat(r.belowThreshold()).isEqualTo(1);
    assertThat(r.duplicates()).isEqualTo(1);
    assertThat(r.numUsers()).isEqualTo(3);
    assertThat(r.numItems()).isEqualTo(4);
    assertThat(r.trainInteractions()).isEqualTo(5);
    assertThat(r.testInteractions()).isEqualTo(3);
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(out)) {
      assertThat(ds.originalUserIds()).contains(List.of("1", "2", "3"));
      assertThat(ds.originalItemIds()).contains(List.of("5", "10", "20", "40")); // numeric order
      assertThat(ds.trainByUser().row(0)).containsExactly(1, 2); // items 10, 20
      assertThat(ds.trainByUser().row(1)).containsExactly(1); // item 10
      assertThat(ds.trainByUser().row(2)).containsExactly(0, 3); // items 5, 40
      assertThat(ds.testByUser().row(0)).containsExactly(3); // item 40
      assertThat(ds.testByUser().row(1)).containsExactly(0); // item 5
      assertThat(ds.testByUser().row(2)).containsExactly(2); // item 20
      assertThat(ds.manifest().hasTimestamps()).isTrue();
      assertThat(ds.manifest().userIds()).isNotNull();
      assertThat(ds.manifest().build().options())
          .containsEntry("split", "leave-last-out")
          .containsEntry("separator", "\t");
    }
  }

  @Test
  void keepsTheEarliestTimestampOfADuplicatePair(@TempDir Path tmp) {
    Path file = TestData.write(tmp, "u.data", U_DATA);
    Map<String, Object> o = uData(file);
    o.put("split", "ratio");
    o.put("test-ratio", 0.01); // round(0.01 n) = 0: everything stays in train ...
    assertThatThrownBy(() -> run(tmp.resolve("x"), o))
        .hasMessageContaining("no test interactions left"); // ... which is an error
    o.put("test-ratio", 0.5);
    run(tmp.resolve("ok"), o);
    DatasetContent c = DatasetReader.read(tmp.resolve("ok")).content();
    for (InteractionTable t : List.of(c.train(), c.test())) {
      for (int r = 0; r < t.size(); r++) {
        if (t.userIds()[r] == 1 && t.itemIds()[r] == 1) { // user "2", item "10"
          assertThat(t.timestamps()[r]).isEqualTo(50);
        }
      }
    }
  }

  @Test
  void ratingsDatWithDoubleColonAndIdentityIdsSplitByRatio(@TempDir Path tmp) {
    StringBuilder sb = new StringBuilder();
    for (int u = 1; u <= 10; u++) {
      for (int i = 1; i <= 10; i++) {
        sb.append(u).append("::").append(i).append("::3::").append(1000 + i).append('\n');
      }
    }
    Path file = TestData.write(tmp, "ratings.dat", sb.toString());
    Map<String, Object> o = pathOptions(file);
    o.put("separator", "::");
    o.put("id-mapping", "identity");
    o.put("test-ratio", 0.2);
    o.put("seed", 3);
    ImportReport r = run(tmp.resolve("a"), o);
    assertThat(r.numUsers()).isEqualTo(11); // ids as given, 0 unused
    assertThat(r.numItems()).isEqualTo(11);
    assertThat(r.testInteractions()).isEqualTo(20); // 2 per user
    assertThat(r.trainInteractions()).isEqualTo(80);
    ImportReport same = run(tmp.resolve("b"), o);
    o.put("seed", 4);
    ImportReport other = run(tmp.resolve("c"), o);
    assertThat(same.fingerprint()).isEqualTo(r.fingerprint());
    assertThat(other.fingerprint()).isNotEqualTo(r.fingerprint());
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(tmp.resolve("a"))) {
      assertThat(ds.originalUserIds()).isEmpty();
      assertThat(ds.testByUser().rowLength(0)).isZero();
      for (int u = 1; u <= 10; u++) {
        assertThat(ds.testByUser().rowLength(u)).isEqualTo(2);
        assertThat(ds.trainByUser().rowLength(u)).isEqualTo(8);
      }
    }
  }

  @Test
  void csvWithHeaderNamedColumnsStringIdsAndPreSplitFiles(@TempDir Path tmp) {
    Path train =
        TestData.write(
            tmp,
            "train.csv",
            "\uFEFFuserId,itemId,score\n"
                + "alice,\"book-1\",1.5\n"
                + "bob,book-2,2\n"
                + "alice,book-3,1\n"
                + "carol,book-1,0.5\n");
    Path test =
        TestData.write(
            tmp,
            "test.csv",
            "userId,itemId,score\n" + "bob,book-1,1\n" + "alice,book-9,1\n" + "dave,book-2,1\n");
    Map<String, Object> o = new HashMap<>();
    o.put("train-path", train.toString());
    o.put("test-path", test.toString());
    o.put("header", true);
    o.put("user-column", "userId");
    o.put("item-column", "ITEMID"); // names match case-insensitively when not exact
    o.put("weight-column", "score");
    o.put("name", "books");
    ImportReport r = run(tmp.resolve("books"), o);
    // book-9 and dave occur only in test: dropped (unseen), then compacted away
    assertThat(r.unseenDropped()).isEqualTo(2);
    assertThat(r.numUsers()).isEqualTo(3);
    assertThat(r.numItems()).isEqualTo(3);
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(tmp.resolve("books"))) {
      assertThat(ds.info().name()).isEqualTo("books");
      assertThat(ds.originalUserIds()).contains(List.of("alice", "bob", "carol"));
      assertThat(ds.originalItemIds()).contains(List.of("book-1", "book-2", "book-3"));
      assertThat(ds.trainByUser().row(0)).containsExactly(0, 2);
      assertThat(ds.testByUser().row(1)).containsExactly(0);
      assertThat(ds.manifest().hasWeights()).isTrue();
      assertThat(ds.manifest().build().stats()).containsEntry("compacted_items", 1L);
      assertThat(ds.manifest().build().stats()).containsEntry("compacted_users", 1L);
    }
    DatasetContent c = DatasetReader.read(tmp.resolve("books")).content();
    assertThat(c.train().weights()).containsExactly(1.5f, 1f, 2f, 0.5f);
  }

  @Test
  void whitespaceSeparatorSplitsOnRuns(@TempDir Path tmp) {
    Path file = TestData.write(tmp, "ws.txt", "a  x\t 1\nb   y 2\na y    3\nb x 4\n");
    Map<String, Object> o = pathOptions(file);
    o.put("separator", "whitespace");
    o.put("timestamp-column", 2);
    o.put("split", "leave-last-out");
    ImportReport r = run(tmp.resolve("ws"), o);
    assertThat(r.trainInteractions()).isEqualTo(2);
    assertThat(r.testInteractions()).isEqualTo(2);
  }

  @Test
  void tooFewFieldsNamesFileAndLine(@TempDir Path tmp) {
    Path file = TestData.write(tmp, "u.data", "1\t10\t5\t100\n\n1\t20\n");
    assertFailsCleanly(
        tmp,
        uData(file),
        "u.data:3: expected at least 4 fields separated by '\\t', found 2 in '1\t20'");
  }

  @Test
  void badNumbersNameFileLineAndColumn(@TempDir Path tmp) {
    Path file = TestData.write(tmp, "u.data", "1\t10\tfive\t100\n");
    assertFailsCleanly(tmp, uData(file), "u.data:1: expected a number as rating, found 'five'");
    Path file2 = TestData.write(tmp, "v.data", "1\t10\t5\tyesterday\n");
    assertFailsCleanly(
        tmp, uData(file2), "v.data:1: expected an integer timestamp, found 'yesterday'");
  }

  @Test
  void identityIdsRejectNegativeAndOverflowingIds(@TempDir Path tmp) {
    Map<String, Object> o = pathOptions(TestData.write(tmp, "neg.csv", "1,2\n-3,4\n"));
    o.put("id-mapping", "identity");
    assertFailsCleanly(tmp, o, "neg.csv:2: negative user id -3");
    o.put("path", TestData.write(tmp, "big.csv", "1,2\n3,4294967296\n").toString());
    assertFailsCleanly(tmp, o, "big.csv:2: item id 4294967296 does not fit in a 32-bit id");
  }

  @Test
  void emptyAndAllFilteredFilesAreRejected(@TempDir Path tmp) {
    Map<String, Object> o = pathOptions(TestData.write(tmp, "empty.csv", "\n\n"));
    assertFailsCleanly(tmp, o, "empty.csv: empty file");
    o.put("path", TestData.write(tmp, "header-only.csv", "user,item\n").toString());
    o.put("header", true);
    assertFailsCleanly(tmp, o, "header-only.csv: empty file; expected a header line and");
    Path low = TestData.write(tmp, "low.data", "1\t10\t1\t100\n1\t20\t2\t100\n");
    assertFailsCleanly(
        tmp, uData(low), "low.data: no interactions left (2 rows below rating-threshold 4.0)");
  }

  @Test
  void missingHeaderColumnListsTheColumns(@TempDir Path tmp) {
    Map<String, Object> o = pathOptions(TestData.write(tmp, "r.csv", "user,movie\na,b\n"));
    o.put("header", true);
    o.put("user-column", "user");
    o.put("item-column", "item");
    assertFailsCleanly(
        tmp, o, "r.csv:1: the header has no column 'item' (item-column); columns: [user, movie]");
  }

  @Test
  void invalidUtf8IsReportedWithTheLine(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("latin1.csv");
    Files.write(file, new byte[] {'a', ',', 'b', '\n', 'c', ',', (byte) 0xe9, '\n'});
    assertFailsCleanly(tmp, pathOptions(file), "latin1.csv:");
  }

  @Test
  void inconsistentOptionsNameTheKey(@TempDir Path tmp) {
    String f = TestData.write(tmp, "r.csv", "1,2,3\n").toString();
    assertConfigError(
        tmp,
        Map.of("path", f, "user-column", "userId"),
        "import.user-column: 'userId' is a column name but header is false");
    assertConfigError(
        tmp,
        Map.of("path", f, "split", "leave-last-out"),
        "import.split: leave-last-out needs timestamp-column");
    assertConfigError(
        tmp,
        Map.of("path", f, "rating-threshold", 3),
        "import.rating-threshold: needs rating-column");
    assertConfigError(
        tmp,
        Map.of("path", f, "train-path", f, "test-path", f),
        "import.path: give either path (one file to split) or train-path and test-path");
    assertConfigError(
        tmp,
        Map.of("train-path", f, "test-path", f, "split", "ratio"),
        "import.split: only applies to a single path");
    assertConfigError(tmp, Map.of("train-path", f), "import.test-path: is required");
    assertConfigError(tmp, Map.of("path", f, "test-ratio", 1.0), "import.test-ratio: must be > 0");
    assertConfigError(tmp, Map.of("path", f, "seperator", ";"), "import.seperator: unknown key");
  }

  @Test
  void aQuotedFieldHoldingTheSeparatorIsOneField(@TempDir Path tmp) {
    // RFC 4180: "a,b" is one item; an embedded quote is written twice
    Path file =
        TestData.write(
            tmp,
            "q.csv",
            "1,\"a,b\"\n1,c\n2,\"a,b\"\n2, \"say \"\"hi\"\"\" \n3,c\n3,\"a,b\"\n1,d\n2,d\n3,d\n");
    Map<String, Object> o = pathOptions(file);
    o.put("test-ratio", 0.34);
    o.put("unseen-test", "keep");
    Path out = tmp.resolve("q");
    ImportReport r = run(out, o);
    assertThat(r.numItems()).isEqualTo(4);
    assertThat(r.trainInteractions() + r.testInteractions()).isEqualTo(9);
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(out)) {
      assertThat(ds.originalItemIds()).contains(List.of("a,b", "c", "d", "say \"hi\""));
    }
  }

  @Test
  void aMultiCharacterSeparatorHonoursQuotes(@TempDir Path tmp) {
    Path file =
        TestData.write(
            tmp, "r.dat", "1::\"x::y\"::5\n1::z::4\n2::\"x::y\"::4\n2::z::5\n2::w::5\n1::w::3\n");
    Map<String, Object> o = pathOptions(file);
    o.put("separator", "::");
    o.put("unseen-test", "keep");
    Path out = tmp.resolve("r");
    run(out, o);
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(out)) {
      assertThat(ds.originalItemIds()).contains(List.of("w", "x::y", "z"));
    }
  }

  @Test
  void malformedQuotingNamesTheLine(@TempDir Path tmp) {
    Path open = TestData.write(tmp, "open.csv", "1,a\n2,\"b\n3,c\"\n4,d\n");
    assertFailsCleanly(
        tmp, pathOptions(open), "open.csv:2: a quoted field is not closed on its line");
    Path after = TestData.write(tmp, "after.csv", "1,a\n2,b\n3,\"c\"x\n");
    assertFailsCleanly(
        tmp, pathOptions(after), "after.csv:3: text after the closing double quote of a field");
  }

  @Test
  void aHeaderLineReadWithoutHeaderIsAnErrorThatSuggestsHeaderTrue(@TempDir Path tmp) {
    Path file = TestData.write(tmp, "ratings.csv", "userId,movieId\n1,10\n1,20\n2,10\n2,30\n");
    assertFailsCleanly(
        tmp,
        pathOptions(file),
        "ratings.csv:1: the first line 'userId,movieId' looks like a header: its id 'userId' is"
            + " not a number, while the ids of all 4 other lines are; set header: true");
    // with a rating column, the header's rating is not a number: the message says why too
    Path rated = TestData.write(tmp, "rated.csv", "\nuser,item,rating\n1,10,5\n1,20,4\n");
    Map<String, Object> o = pathOptions(rated);
    o.put("rating-column", 2);
    o.put("rating-threshold", 4);
    assertFailsCleanly(
        tmp,
        o,
        "rated.csv:2: expected a number as rating, found 'rating' (header is false: if the first"
            + " line names the columns, set header: true)");
    // and header: true reads it
    Map<String, Object> fixed = pathOptions(file);
    fixed.put("header", true);
    fixed.put("test-ratio", 0.5);
    fixed.put("unseen-test", "keep");
    assertThat(run(tmp.resolve("fixed"), fixed).numUsers()).isEqualTo(2);
  }

  @Test
  void wordIdsOnEveryLineAreNotMistakenForAHeader(@TempDir Path tmp) {
    Map<String, Object> keep = Map.of("test-ratio", 0.5, "unseen-test", "keep");
    Path file = TestData.write(tmp, "names.csv", "ann,x\nann,y\nbob,x\nbob,z\ncid,y\ncid,z\n");
    Map<String, Object> o = pathOptions(file);
    o.putAll(keep);
    assertThat(run(tmp.resolve("names"), o).numUsers()).isEqualTo(3);
    // numbers first and a word later: data, not a header
    Path mixed = TestData.write(tmp, "mixed.csv", "1,10\n1,20\nann,10\nann,30\n");
    Map<String, Object> m = pathOptions(mixed);
    m.putAll(keep);
    assertThat(run(tmp.resolve("mixed"), m).numUsers()).isEqualTo(2);
  }

  private static void assertConfigError(Path tmp, Map<String, Object> o, String message) {
    assertFailsCleanly(tmp, o, ConfigException.class, message);
  }

  private static void assertFailsCleanly(Path tmp, Map<String, Object> o, String message) {
    assertFailsCleanly(tmp, o, CbnsException.class, message);
  }

  private static void assertFailsCleanly(
      Path tmp, Map<String, Object> o, Class<? extends CbnsException> type, String message) {
    Path outs = tmp.resolve("outs");
    assertThatThrownBy(() -> run(outs.resolve("ds"), o))
        .isInstanceOf(type)
        .hasMessageContaining(message);
    assertThat(TestData.list(outs)).as("no output or temp directory left").isEmpty();
  }

  /** Options with just {@code path}, to add to. */
  private static Map<String, Object> pathOptions(Path file) {
    Map<String, Object> o = new HashMap<>();
    o.put("path", file.toString());
    return o;
  }
}
