package io.cbns.data.arrow.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.DatasetContext;
import io.cbns.data.arrow.TestData;
import io.cbns.data.arrow.format.DatasetContent;
import io.cbns.data.arrow.format.DatasetReader;
import io.cbns.data.arrow.format.InteractionTable;
import io.cbns.data.arrow.importer.ImportOracle.Delimited;
import io.cbns.data.arrow.importer.ImportOracle.Failure;
import io.cbns.data.arrow.importer.ImportOracle.Outcome;
import io.cbns.data.arrow.importer.ImportOracle.Pair;
import io.cbns.data.arrow.importer.ImportOracle.Success;
import io.cbns.data.arrow.source.ArrowDirectorySource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of the {@code lightgcn} and {@code delimited} importers: clean inputs generated at
 * random, then damaged (truncated, random and invalid UTF-8 bytes, NUL, ids beyond int and long,
 * negative ids, empty and header-only files, the wrong separator, CRLF and CR line ends, blank
 * lines, a byte-order mark). Every case is compared with {@link ImportOracle}, an independent
 * reading of {@code docs/data.md}: the import either fails with a {@link CbnsException} whose
 * message starts with the file and line the oracle names (the file alone for whole-file problems)
 * and leaves nothing at or next to the output, or succeeds with exactly the content the oracle
 * computes. Any other exception fails the test.
 *
 * <p>Deterministic: a fixed seed; a failing case prints its number, options and file bytes.
 */
final class TestImporterFuzz {
  private static final long SEED = 0x1f0dd_5eedL;
  private static final int CASES = 240;

  /** Tokens a damaged id may become, with what each tests. */
  private static final String[] BAD_TOKENS = {
    "-1", // negative
    "-", // a lone sign
    "+3", // a sign the id grammar does not allow
    "2147483647", // MAX_ID + 1
    "4294967296", // 2^32
    "9223372036854775807", // Long.MAX_VALUE
    "9223372036854775808", // Long.MAX_VALUE + 1
    "99999999999999999999999999", // far beyond long
    "1e3",
    "0x1f",
    "3.0",
    "\"7\"",
    "007", // valid: leading zeros
    "2147483646", // valid but far sparser than the rows
    "",
    "NaN",
    "caf\u00e9",
  };

  /** Bytes a damaged file may get inserted. */
  private static final byte[][] NOISE = {
    {0}, // NUL
    {(byte) 0xff}, // never valid UTF-8
    {(byte) 0xc3}, // a truncated two-byte sequence
    {(byte) 0x80}, // a lone continuation byte
    {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // an encoded surrogate
    {(byte) 0xc3, (byte) 0xa9}, // a valid e-acute
    {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, // a byte-order mark in the middle
    {0x7f}, // DEL
    {0x0b}, // vertical tab
    {'\t'},
    {' '},
    {','},
    {';'},
    {'\n'},
    {'\r'},
    {'-'},
    {'9'},
  };

  @TempDir Path tmp;

  @Test
  void lightGcnImporterOnGeneratedInputs() {
    SplittableRandom rng = new SplittableRandom(SEED);
    int[] outcomes = new int[2];
    for (int c = 0; c < CASES; c++) {
      Path dir = tmp.resolve("lightgcn-" + c);
      boolean keep = rng.nextInt(4) == 0;
      Path src = dir.resolve("src");
      int users = 1 + rng.nextInt(6);
      int items = 1 + rng.nextInt(8);
      byte[] train = lightGcnFile(rng, users, items, true);
      byte[] test = lightGcnFile(rng, users, items, false);
      if (rng.nextInt(3) != 0) {
        if (rng.nextBoolean()) {
          train = damage(rng, train);
        } else {
          test = damage(rng, test);
        }
      }
      write(src.resolve("train.txt"), train);
      write(src.resolve("test.txt"), test);
      Outcome expected = ImportOracle.lightGcn(src, train, test, keep);
      Map<String, Object> options = new HashMap<>();
      options.put("path", src.toString());
      if (keep) {
        options.put("unseen-test", "keep");
      }
      String label =
          "case " + c + " " + options + "\ntrain.txt: " + show(train) + "\ntest.txt: " + show(test);
      outcomes[check(label, expected, "lightgcn", options, dir.resolve("outs"))]++;
    }
    // the generator is only useful if both outcomes are common
    assertThat(outcomes[0]).as("successful imports").isGreaterThan(CASES / 5);
    assertThat(outcomes[1]).as("failed imports").isGreaterThan(CASES / 5);
  }

  @Test
  void delimitedImporterOnGeneratedInputs() {
    SplittableRandom rng = new SplittableRandom(SEED + 1);
    int[] outcomes = new int[2];
    for (int c = 0; c < CASES; c++) {
      Path dir = tmp.resolve("delimited-" + c);
      DelimitedCase dc = delimitedCase(rng, dir.resolve("src"));
      String label =
          "case "
              + c
              + " "
              + dc.options
              + "\n"
              + dc.trainFile.getFileName()
              + ": "
              + show(dc.train)
              + (dc.test == null ? "" : "\n" + dc.testFile.getFileName() + ": " + show(dc.test));
      Outcome expected =
          ImportOracle.delimited(dc.oracle, dc.trainFile, dc.train, dc.testFile, dc.test);
      outcomes[check(label, expected, "delimited", dc.options, dir.resolve("outs"))]++;
    }
    assertThat(outcomes[0]).as("successful imports").isGreaterThan(CASES / 5);
    assertThat(outcomes[1]).as("failed imports").isGreaterThan(CASES / 5);
  }

  // ---------------------------------------------------------------- named cases

  @Test
  void emptyAndHeaderOnlyFilesFailNamingTheFile() {
    assertLightGcn("", "0 1\n", failure("train.txt", 0, "empty file"));
    assertLightGcn("0 1\n", " \n\t\n\r\n", failure("test.txt", 0, "empty file"));
    Delimited csv = csv(",", true);
    assertDelimited(csv, "user,item\n", "user,item\n1,2\n", failure("train.csv", 0, "empty file"));
    assertDelimited(csv, "user,item\n1,2\n", "\n\nuser,item\n\n", failure("test.csv", 0, "empty"));
    assertDelimited(csv(",", false), "", "1,2\n", failure("train.csv", 0, "empty file"));
  }

  @Test
  void byteOrderMarkLineEndsAndBlankLinesAreAccepted() {
    String bom = "\uFEFF";
    Outcome ok = assertLightGcn(bom + "0 1 2\r\n1 2\r\n\r\n\r\n", "0 3\r1 1\r\r", null);
    assertThat(ok).isInstanceOf(Success.class);
    assertThat(((Success) ok).test()).containsOnlyKeys(new Pair("1", "1"));
    Delimited csv = csv(",", true);
    Outcome dense =
        assertDelimited(
            csv,
            bom + "user,item\r\n\r\na,x\r\nb,y\r\na,y\r\n\n\n",
            bom + "\n\nuser,item\rb,x\r\r",
            null);
    assertThat(dense).isInstanceOf(Success.class);
    assertThat(((Success) dense).test()).containsOnlyKeys(new Pair("b", "x"));
  }

  @Test
  void hugeAndNegativeIdsFailNamingTheLine() {
    assertLightGcn("0 1\n1 2147483647\n", "0 1\n", failure("train.txt", 2, "does not fit"));
    assertLightGcn("0 1\n", "0 99999999999999999999999\n", failure("test.txt", 1, "does not fit"));
    assertLightGcn("0 1\n9223372036854775808 1\n", "0 1\n", failure("train.txt", 2, "fit"));
    assertLightGcn("0 1\n", "1 0\n-4 1\n", failure("test.txt", 2, "negative user id -4"));
    assertLightGcn("0 1 2146000000\n", "0 2\n", failure("", 0, "the largest item id"));
    Delimited identity =
        new Delimited(",", false, new String[] {"0", "1", null, null}, null, true, false, 0.2);
    assertDelimited(identity, "1,2\n3,-2\n", "1,3\n", failure("train.csv", 2, "negative item"));
    assertDelimited(identity, "1,2\n", "18446744073709551616,2\n", failure("test.csv", 1, "fit"));
    // string ids: any text is an id, a huge number too
    Outcome dense =
        assertDelimited(
            csv(",", false),
            "99999999999999999999,-1\n1,2\n",
            "99999999999999999999,2\n1,-1\n",
            null);
    assertThat(((Success) dense).userOrder()).containsExactly("1", "99999999999999999999");
    assertThat(((Success) dense).itemOrder()).containsExactly("-1", "2");
  }

  @Test
  void controlBytesAndInvalidUtf8FailNamingTheLine() {
    assertLightGcn("0 1\n1 2\u0000\n", "0 1\n", failure("train.txt", 2, "control character"));
    assertLightGcn("0 1\n1 2\n", "0 1\n\n1\u000b2\n", failure("test.txt", 3, "control"));
    byte[] latin1 = "0 1\n1 2\n2 3\n".getBytes(StandardCharsets.UTF_8);
    byte[] bad = new byte[latin1.length + 1];
    System.arraycopy(latin1, 0, bad, 0, 8);
    bad[8] = (byte) 0xe9; // Latin-1 e-acute on line 3
    System.arraycopy(latin1, 8, bad, 9, latin1.length - 8);
    Path src = tmp.resolve("utf8").resolve("src");
    write(src.resolve("train.txt"), bad);
    write(src.resolve("test.txt"), "0 1\n".getBytes(StandardCharsets.UTF_8));
    Outcome expected =
        ImportOracle.lightGcn(src, bad, "0 1\n".getBytes(StandardCharsets.UTF_8), false);
    assertThat(expected).isEqualTo(new Failure(src.resolve("train.txt"), 3, "UTF-8"));
    check("latin-1", expected, "lightgcn", Map.of("path", src.toString()), src.resolveSibling("o"));
    // a multi-byte character cut off at the end of a long file: the line is the last one
    StringBuilder sb = new StringBuilder();
    for (int u = 0; u < 3000; u++) {
      sb.append(u % 50).append(",caf\u00e9").append(u % 7).append('\n');
    }
    byte[] longFile = sb.toString().getBytes(StandardCharsets.UTF_8);
    byte[] cut = java.util.Arrays.copyOf(longFile, longFile.length - 3); // inside the last "é"
    assertDelimited(
        csv(",", false),
        cut,
        "1,caf\u00e91\n".getBytes(StandardCharsets.UTF_8),
        failure("train.csv", 3000, "UTF-8"));
  }

  @Test
  void aWrongSeparatorFailsNamingTheFirstLine() {
    assertDelimited(
        csv(",", false), "1;2\n3;4\n", "1;2\n", failure("train.csv", 1, "expected at least 2"));
    assertDelimited(
        csv("\t", false), "1,2\n", "1,2\n", failure("train.csv", 1, "expected at least 2"));
    assertDelimited(
        csv(",", true), "user;item\n1;2\n", "user;item\n1;2\n", failure("train.csv", 1, "header"));
    // the header is the first non-blank line, wherever it is
    assertDelimited(
        csv(",", true),
        "user,item\n1,2\n",
        "\n \nuser;item\n1;2\n",
        failure("test.csv", 3, "the header has no column 'user'"));
  }

  @Test
  void aFileWithoutLineEndsFailsAtItsLineLimit() throws IOException {
    // binary data with no newline must not be read into one ever-growing string
    Path src = tmp.resolve("long").resolve("src");
    byte[] line = new byte[TextLines.MAX_LINE_BYTES + 10];
    java.util.Arrays.fill(line, (byte) '1');
    write(src.resolve("train.txt"), line);
    write(src.resolve("test.txt"), "0 1\n".getBytes(StandardCharsets.UTF_8));
    check(
        "a long line",
        new Failure(src.resolve("train.txt"), 1, "a line longer than"),
        "lightgcn",
        Map.of("path", src.toString()),
        src.resolveSibling("outs"));
  }

  @Test
  void aPathNoFileSystemAcceptsIsAConfigError() {
    // a NUL from an escaped YAML string ("a\0b.csv") must name the key, not escape as an
    // InvalidPathException
    for (String format : List.of("delimited", "lightgcn")) {
      assertThatThrownBy(
              () ->
                  DatasetImporter.run(
                      format,
                      Options.of("import", Map.of("path", "a\u0000b.csv")),
                      tmp.resolve("nul")))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("import.path: not a valid path");
    }
    assertThatThrownBy(
            () ->
                new ArrowDirectorySource()
                    .open(
                        new DatasetContext(tmp, 1), Options.of("data", Map.of("path", "a\u0000b"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("data.path: not a valid path");
    assertThat(tmp.resolve("nul")).doesNotExist();
  }

  // ---------------------------------------------------------------- running and checking

  /**
   * Runs one import and compares it with the oracle.
   *
   * @return 0 for a successful import, 1 for a failed one
   */
  private static int check(
      String label, Outcome expected, String format, Map<String, Object> options, Path outs) {
    Path out = outs.resolve("ds");
    ImportReport report;
    try {
      report = DatasetImporter.run(format, Options.of("import", new HashMap<>(options)), out);
    } catch (CbnsException e) {
      assertThat(TestData.list(outs)).as("leftovers after a failure; %s", label).isEmpty();
      assertThat(expected)
          .as("%s\nthe import failed: %s", label, e.getMessage())
          .isInstanceOf(Failure.class);
      Failure f = (Failure) expected;
      String where = f.line() > 0 ? f.file() + ":" + f.line() + ":" : f.file().toString();
      assertThat(e.getMessage()).as(label).startsWith(where);
      if (f.fragment() != null) {
        assertThat(e.getMessage()).as(label).contains(f.fragment());
      }
      return 1;
    } catch (RuntimeException | Error e) {
      throw new AssertionError(label + "\nunexpected exception (expected " + expected + ")", e);
    }
    assertThat(expected)
        .as("%s\nthe import succeeded: %s", label, report.summary())
        .isInstanceOf(Success.class);
    verify(label, (Success) expected, report, out);
    return 0;
  }

  private static void verify(String label, Success s, ImportReport report, Path out) {
    DatasetContent c = DatasetReader.read(out).content();
    assertThat(report.linesRead()).as(label).isEqualTo(s.lines());
    assertThat(report.belowThreshold()).as(label).isEqualTo(s.belowThreshold());
    assertThat(c.numUsers()).as(label).isEqualTo(s.numUsers());
    assertThat(c.numItems()).as(label).isEqualTo(s.numItems());
    String[] users = c.userIdMap();
    String[] items = c.itemIdMap();
    if (s.dense()) {
      assertThat(users).as(label).containsExactlyElementsOf(s.userOrder());
      assertThat(items).as(label).containsExactlyElementsOf(s.itemOrder());
    } else {
      assertThat(users).as(label).isNull();
      assertThat(items).as(label).isNull();
    }
    Map<Pair, Long> train = rows(label, c.train(), users, items);
    Map<Pair, Long> test = rows(label, c.test(), users, items);
    assertThat(c.validation()).as(label).isNull();
    if (s.all() == null) {
      assertThat(train).as(label).isEqualTo(s.train());
      assertThat(test).as(label).isEqualTo(s.test());
      return;
    }
    // a single file split at random (unseen-test: keep): a partition of the rows, each user
    // with n >= 2 rows giving min(round(ratio * n), n - 1) of them to test
    assertThat(new HashSet<>(train.keySet())).as(label).doesNotContainAnyElementsOf(test.keySet());
    Map<Pair, Long> union = new HashMap<>(train);
    union.putAll(test);
    assertThat(union).as(label).isEqualTo(s.all());
    Map<String, int[]> perUser = new HashMap<>();
    s.all().keySet().forEach(p -> perUser.computeIfAbsent(p.user(), u -> new int[2])[0]++);
    test.keySet().forEach(p -> perUser.get(p.user())[1]++);
    perUser.forEach(
        (u, n) ->
            assertThat(n[1])
                .as("%s\ntest rows of user %s", label, u)
                .isEqualTo((int) Math.min(Math.round(s.testRatio() * n[0]), n[0] - 1L)));
  }

  /** A split's rows by original id, checking the documented order and that pairs are unique. */
  private static Map<Pair, Long> rows(
      String label, InteractionTable t, String[] users, String[] items) {
    Map<Pair, Long> out = new LinkedHashMap<>();
    for (int r = 0; r < t.size(); r++) {
      int u = t.userIds()[r];
      int i = t.itemIds()[r];
      if (r > 0) {
        int pu = t.userIds()[r - 1];
        int pi = t.itemIds()[r - 1];
        assertThat(pu < u || (pu == u && pi < i)).as("%s: row %d not sorted", label, r).isTrue();
      }
      Pair p =
          new Pair(
              users == null ? Integer.toString(u) : users[u],
              items == null ? Integer.toString(i) : items[i]);
      out.put(p, t.hasTimestamps() ? t.timestamps()[r] : 0L);
    }
    return out;
  }

  // ---------------------------------------------------------------- generators

  /**
   * A clean LightGCN file: lines {@code user item ...} in varied spacing and line ends; with {@code
   * cover} (a train file) every user and item id below the bounds occurs, so that test rows are
   * seldom unseen.
   */
  private static byte[] lightGcnFile(SplittableRandom rng, int users, int items, boolean cover) {
    StringBuilder sb = new StringBuilder();
    String[] gaps = {" ", " ", "\t", "  ", " \t "};
    String[] ends = {"\n", "\n", "\r\n", "\r"};
    String end = ends[rng.nextInt(ends.length)];
    int lines = cover ? Math.max(users, items) : 1 + rng.nextInt(6);
    for (int l = 0; l < lines; l++) {
      if (rng.nextInt(6) == 0) {
        sb.append(rng.nextBoolean() ? "" : " \t").append(end); // a blank line
      }
      sb.append(cover ? l % users : rng.nextInt(users));
      if (cover) {
        sb.append(gaps[rng.nextInt(gaps.length)]).append(l % items);
      }
      int n = rng.nextInt(cover ? 3 : 5);
      for (int k = 0; k < n; k++) {
        sb.append(gaps[rng.nextInt(gaps.length)]).append(rng.nextInt(items));
      }
      if (rng.nextInt(5) == 0) {
        sb.append(' '); // trailing space
      }
      if (l < lines - 1 || rng.nextInt(4) != 0) {
        sb.append(end);
      }
    }
    if (rng.nextInt(8) == 0) {
      sb.append(end).append(end); // trailing blank lines
    }
    if (rng.nextInt(8) == 0) {
      sb.insert(0, '\uFEFF');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A generated {@code delimited} import: options, the oracle's view of them, the files. */
  private record DelimitedCase(
      Map<String, Object> options,
      Delimited oracle,
      Path trainFile,
      byte[] train,
      Path testFile,
      byte[] test) {}

  private static DelimitedCase delimitedCase(SplittableRandom rng, Path src) {
    String[][] separators = { // option value, literal (null: whitespace), what to write
      {",", ",", ","},
      {"tab", "\t", "\t"},
      {";", ";", ";"},
      {"::", "::", "::"},
      {"whitespace", null, " "},
      {"whitespace", null, " \t "},
      {"|", "|", "|"}
    };
    String[] sep = separators[rng.nextInt(separators.length)];
    boolean header = rng.nextBoolean();
    boolean identity = rng.nextInt(3) == 0;
    boolean single = rng.nextInt(3) == 0;
    boolean keep = single || rng.nextInt(4) == 0;
    boolean rating = rng.nextInt(3) == 0;
    boolean timestamp = rng.nextInt(3) == 0;
    // columns: user, item, rating, timestamp, and a filler column, in a random order
    List<String> names = new ArrayList<>(List.of("user", "item", "rating", "ts", "extra"));
    if (!rating) {
      names.remove("rating");
    }
    if (!timestamp) {
      names.remove("ts");
    }
    if (rng.nextBoolean()) {
      names.remove("extra");
    }
    for (int k = names.size() - 1; k > 0; k--) {
      int j = rng.nextInt(k + 1);
      String t = names.get(k);
      names.set(k, names.get(j));
      names.set(j, t);
    }
    String[] columns = new String[4];
    String[] logical = {"user", "item", "rating", "ts"};
    for (int k = 0; k < 4; k++) {
      int at = names.indexOf(logical[k]);
      if (at >= 0) {
        columns[k] =
            header && rng.nextBoolean()
                ? (rng.nextBoolean() ? logical[k] : logical[k].toUpperCase(java.util.Locale.ROOT))
                : Integer.toString(at);
      }
    }
    Double threshold = rating && rng.nextBoolean() ? 3.0 : null;
    Delimited oracle = new Delimited(sep[1], header, columns, threshold, identity, keep, 0.5);

    String[] idPool =
        identity || rng.nextBoolean()
            ? new String[] {"0", "1", "2", "3", "5", "8", "13", "21", "007", "10"}
            : new String[] {"a", "b", "B", "7", "10", "caf\u00e9", "x y", "u-1", "\"q\""};
    int users = 1 + rng.nextInt(6);
    int items = 1 + rng.nextInt(8);
    String end = new String[] {"\n", "\n", "\r\n", "\r"}[rng.nextInt(4)];
    String written = sep[2];
    if (rng.nextInt(12) == 0) { // the file uses another separator than the options say
      written = separators[rng.nextInt(separators.length)][2];
    }
    Path trainFile = src.resolve(single ? "all.csv" : "train.csv");
    Path testFile = single ? null : src.resolve("test.csv");
    byte[] train = delimitedFile(rng, names, written, header, end, idPool, users, items, true);
    byte[] test =
        single
            ? null
            : delimitedFile(rng, names, written, header, end, idPool, users, items, false);
    if (rng.nextInt(3) != 0) {
      if (single || rng.nextBoolean()) {
        train = damage(rng, train);
      } else {
        test = damage(rng, test);
      }
    }
    write(trainFile, train);
    Map<String, Object> options = new LinkedHashMap<>();
    if (single) {
      options.put("path", trainFile.toString());
      options.put("test-ratio", 0.5);
    } else {
      write(testFile, test);
      options.put("train-path", trainFile.toString());
      options.put("test-path", testFile.toString());
    }
    options.put("separator", sep[0]);
    options.put("header", header);
    String[] keys = {"user-column", "item-column", "rating-column", "timestamp-column"};
    for (int k = 0; k < 4; k++) {
      if (columns[k] != null) {
        options.put(keys[k], columns[k]);
      }
    }
    if (threshold != null) {
      options.put("rating-threshold", threshold);
    }
    if (identity) {
      options.put("id-mapping", "identity");
    }
    if (keep) {
      options.put("unseen-test", "keep");
    }
    return new DelimitedCase(options, oracle, trainFile, train, testFile, test);
  }

  private static byte[] delimitedFile(
      SplittableRandom rng,
      List<String> columns,
      String sep,
      boolean header,
      String end,
      String[] idPool,
      int users,
      int items,
      boolean cover) {
    StringBuilder sb = new StringBuilder();
    if (header) {
      sb.append(String.join(sep, columns)).append(end);
    }
    users = Math.min(users, idPool.length);
    items = Math.min(items, idPool.length);
    // a train file (cover) holds every user and item of the pools first
    int covering = cover ? Math.max(users, items) : 0;
    int lines = covering + 1 + rng.nextInt(cover ? 4 : 8);
    for (int l = 0; l < lines; l++) {
      if (rng.nextInt(8) == 0) {
        sb.append(end);
      }
      List<String> fields = new ArrayList<>();
      for (String c : columns) {
        fields.add(
            switch (c) {
              case "user" -> idPool[l < covering ? l % users : rng.nextInt(users)];
              case "item" ->
                  idPool[idPool.length - 1 - (l < covering ? l % items : rng.nextInt(items))];
              case "rating" -> new String[] {"1", "3", "4.5", "5", " 2 ", "3e0"}[rng.nextInt(6)];
              case "ts" -> Integer.toString(rng.nextInt(1000) - 10);
              default -> "x";
            });
      }
      if (rng.nextInt(10) == 0 && !sep.isBlank()) {
        int k = rng.nextInt(fields.size()); // quoted or padded
        fields.set(k, rng.nextBoolean() ? "\"" + fields.get(k) + "\"" : " " + fields.get(k) + " ");
      }
      sb.append(String.join(sep, fields));
      if (l < lines - 1 || rng.nextInt(4) != 0) {
        sb.append(end);
      }
    }
    if (rng.nextInt(8) == 0) {
      sb.append(end).append("  ").append(end);
    }
    if (rng.nextInt(8) == 0) {
      sb.insert(0, '\uFEFF');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** One to three random kinds of damage. */
  private static byte[] damage(SplittableRandom rng, byte[] file) {
    byte[] out = file;
    int n = 1 + rng.nextInt(2);
    for (int d = 0; d < n; d++) {
      switch (rng.nextInt(9)) {
        case 0 -> out = java.util.Arrays.copyOf(out, rng.nextInt(out.length + 1)); // truncate
        case 1, 2 ->
            out = insert(out, rng.nextInt(out.length + 1), NOISE[rng.nextInt(NOISE.length)]);
        case 3 -> { // random bytes
          byte[] r = new byte[rng.nextInt(40)];
          for (int i = 0; i < r.length; i++) {
            r[i] = (byte) rng.nextInt(256);
          }
          out = rng.nextBoolean() ? r : insert(out, rng.nextInt(out.length + 1), r);
        }
        case 4, 5, 6 -> out = replaceToken(rng, out);
        case 7 -> out = new byte[0]; // empty
        default ->
            out =
                insert(out, rng.nextInt(out.length + 1), "\n \n".getBytes(StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** Replaces a maximal run of letters and digits with one of {@link #BAD_TOKENS}. */
  private static byte[] replaceToken(SplittableRandom rng, byte[] file) {
    List<int[]> tokens = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= file.length; i++) {
      boolean word = i < file.length && (Character.isLetterOrDigit(file[i]) || file[i] == '-');
      if (word && start < 0) {
        start = i;
      } else if (!word && start >= 0) {
        tokens.add(new int[] {start, i});
        start = -1;
      }
    }
    if (tokens.isEmpty()) {
      return file;
    }
    int[] t = tokens.get(rng.nextInt(tokens.size()));
    byte[] token = BAD_TOKENS[rng.nextInt(BAD_TOKENS.length)].getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(file, 0, t[0]);
    out.write(token, 0, token.length);
    out.write(file, t[1], file.length - t[1]);
    return out.toByteArray();
  }

  private static byte[] insert(byte[] file, int at, byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(file, 0, at);
    out.write(bytes, 0, bytes.length);
    out.write(file, at, file.length - at);
    return out.toByteArray();
  }

  // ---------------------------------------------------------------- named-case helpers

  private int named;

  private static Delimited csv(String sep, boolean header) {
    String[] columns =
        header ? new String[] {"user", "item", null, null} : new String[] {"0", "1", null, null};
    return new Delimited(sep, header, columns, null, false, false, 0.2);
  }

  /**
   * An expected failure: {@code file} relative to the case's source folder ("" for the folder),
   * {@code line} 0 for the whole file, {@code fragment} a part of the message.
   */
  private record Expect(String file, long line, String fragment) {}

  private static Expect failure(String file, long line, String fragment) {
    return new Expect(file, line, fragment);
  }

  /** Imports the LightGCN pair; checks the oracle says {@code expect} (when given) and agrees. */
  private Outcome assertLightGcn(String train, String test, Expect expect) {
    Path dir = tmp.resolve("named-" + named++);
    Path src = dir.resolve("src");
    byte[] a = train.getBytes(StandardCharsets.UTF_8);
    byte[] b = test.getBytes(StandardCharsets.UTF_8);
    write(src.resolve("train.txt"), a);
    write(src.resolve("test.txt"), b);
    Outcome expected = assertExpectation(ImportOracle.lightGcn(src, a, b, false), src, expect);
    check(
        "lightgcn " + show(a) + " / " + show(b),
        expected,
        "lightgcn",
        Map.of("path", src.toString()),
        dir.resolve("outs"));
    return expected;
  }

  private Outcome assertDelimited(Delimited o, String train, String test, Expect expect) {
    return assertDelimited(
        o, train.getBytes(StandardCharsets.UTF_8), test.getBytes(StandardCharsets.UTF_8), expect);
  }

  private Outcome assertDelimited(Delimited o, byte[] train, byte[] test, Expect expect) {
    Path dir = tmp.resolve("named-" + named++);
    Path src = dir.resolve("src");
    write(src.resolve("train.csv"), train);
    write(src.resolve("test.csv"), test);
    Outcome expected =
        assertExpectation(
            ImportOracle.delimited(
                o, src.resolve("train.csv"), train, src.resolve("test.csv"), test),
            src,
            expect);
    Map<String, Object> options = new HashMap<>();
    options.put("train-path", src.resolve("train.csv").toString());
    options.put("test-path", src.resolve("test.csv").toString());
    options.put("separator", o.separator() == null ? "whitespace" : o.separator());
    options.put("header", o.header());
    options.put("user-column", o.columns()[0]);
    options.put("item-column", o.columns()[1]);
    if (o.identity()) {
      options.put("id-mapping", "identity");
    }
    check(
        "delimited " + show(train) + " / " + show(test),
        expected,
        "delimited",
        options,
        dir.resolve("outs"));
    return expected;
  }

  /**
   * Checks that the oracle agrees with what the test states, and returns the outcome to check the
   * import against (with the test's more specific message fragment).
   */
  private static Outcome assertExpectation(Outcome expected, Path src, Expect expect) {
    if (expect == null) {
      assertThat(expected).isInstanceOf(Success.class);
      return expected;
    }
    assertThat(expected).isInstanceOf(Failure.class);
    Failure f = (Failure) expected;
    Path file = expect.file().isEmpty() ? src : src.resolve(expect.file());
    assertThat(f.file()).isEqualTo(file);
    assertThat(f.line()).isEqualTo(expect.line());
    return new Failure(file, expect.line(), expect.fragment());
  }

  // ---------------------------------------------------------------- files

  private static void write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Bytes for a failure message: printable ASCII as is, the rest escaped. */
  private static String show(byte[] bytes) {
    StringBuilder sb = new StringBuilder("\"");
    for (byte b : bytes) {
      int v = b & 0xff;
      if (v >= 0x20 && v < 0x7f && v != '\\') {
        sb.append((char) v);
      } else if (v == '\n') {
        sb.append("\\n");
      } else if (v == '\t') {
        sb.append("\\t");
      } else {
        sb.append(String.format("\\x%02x", v));
      }
    }
    return sb.append('"').toString();
  }
}
