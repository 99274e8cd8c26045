package io.cbns.data.arrow.importer;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * An independent, deliberately plain reading of the import formats as {@code docs/data.md} states
 * them: given the bytes of the source files and the options, what an import must give, either the
 * exact content or the file (and line) it must fail on. It shares no code with the importers
 * (strings, regular expressions and collections where they use byte scanners and primitive arrays),
 * so that both agreeing on hundreds of generated inputs means something.
 *
 * <p>The rules, in the order they apply:
 *
 * <ul>
 *   <li>A file is UTF-8; a byte-order mark at its start is skipped; lines end at {@code \n}, {@code
 *       \r\n} or {@code \r}. A line that is not UTF-8, or holds a control character other than tab,
 *       fails at its line.
 *   <li>{@code lightgcn}: tokens separated by runs of spaces and tabs, each a decimal integer in
 *       {@code [0, 2^31 - 2]}; the first is the user; blank lines are skipped.
 *   <li>{@code delimited}: blank lines are skipped; with a literal separator a line is read as RFC
 *       4180 CSV (a field in double quotes may hold the separator and doubled quotes; text after
 *       its closing quote, or a quote never closed, fails at the line), fields trimmed; with {@code
 *       whitespace} fields are split at runs of spaces/tabs, one pair of double quotes removed; the
 *       first non-blank line of each file is the header when {@code header} is set. Without a
 *       header, a first data line whose user or item id is not an integer while every later line's
 *       are fails at that line ("looks like a header") once the file is read.
 *   <li>A file without data lines fails as a whole ("empty file"); ids far sparser than the rows
 *       ({@code max + 1 > 16 rows + 10^6}) fail as a whole; so does a train side with no row, and a
 *       test side with no row left after deduplication, overlap and unseen removal.
 * </ul>
 */
final class ImportOracle {
  static final int MAX_ID = Integer.MAX_VALUE - 1;
  private static final Pattern WHITESPACE = Pattern.compile("[ \t]+");

  private ImportOracle() {}

  /** A (user, item) pair by original id (decimal text for integer ids). */
  record Pair(String user, String item) {}

  /** What an import must give. */
  sealed interface Outcome permits Failure, Success {}

  /**
   * The import must fail with a message that starts with {@code file:line:} (or {@code file} when
   * {@code line} is 0: a problem of the whole file) and contains {@code fragment} (when not null).
   */
  record Failure(Path file, long line, String fragment) implements Outcome {}

  /**
   * The import must succeed with this content.
   *
   * @param dense whether ids are mapped to dense ids (maps stored)
   * @param numUsers the id space (integer ids only; with dense ids the size of the map)
   * @param numItems the id space (integer ids only)
   * @param userOrder the stored user map in order (dense ids only)
   * @param itemOrder the stored item map in order (dense ids only)
   * @param train the train rows, pair to timestamp (0 without a timestamp column); null for a
   *     single file split at random
   * @param test the test rows, as {@code train}
   * @param all the deduplicated rows of a single file (split at random), else null
   * @param testRatio the ratio of a single-file split
   * @param lines the data lines read (not blank, not header)
   * @param belowThreshold rows dropped by the rating threshold
   */
  record Success(
      boolean dense,
      int numUsers,
      int numItems,
      List<String> userOrder,
      List<String> itemOrder,
      Map<Pair, Long> train,
      Map<Pair, Long> test,
      Map<Pair, Long> all,
      double testRatio,
      long lines,
      long belowThreshold)
      implements Outcome {}

  /** A failure that ends the parse of a file. */
  private static final class Stop extends RuntimeException {
    final transient Failure failure;

    Stop(Path file, long line, String fragment) {
      super(null, null, false, false);
      this.failure = new Failure(file, line, fragment);
    }
  }

  /** The raw lines of a file (line n at index n - 1), to be decoded in order. */
  private static List<byte[]> lines(byte[] bytes) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    if (bytes.length >= 3
        && (bytes[0] & 0xff) == 0xef
        && (bytes[1] & 0xff) == 0xbb
        && (bytes[2] & 0xff) == 0xbf) {
      start = 3;
    }
    int lineStart = start;
    int i = start;
    while (i <= bytes.length) {
      if (i == bytes.length) {
        if (lineStart < i) {
          out.add(Arrays.copyOfRange(bytes, lineStart, i));
        }
        break;
      }
      byte b = bytes[i];
      if (b == '\n' || b == '\r') {
        out.add(Arrays.copyOfRange(bytes, lineStart, i));
        i += b == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n' ? 2 : 1;
        lineStart = i;
      } else {
        i++;
      }
    }
    return out;
  }

  private static String decode(Path file, long line, byte[] raw) {
    String s;
    try {
      s =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(raw))
              .toString();
    } catch (CharacterCodingException e) {
      throw new Stop(file, line, "UTF-8");
    }
    for (char c : s.toCharArray()) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new Stop(file, line, "control character");
      }
    }
    return s;
  }

  /** A decimal id as the importers accept it ({@code [0-9]+}, at most {@link #MAX_ID}). */
  private static long integerId(String token, String what, Path file, long line) {
    if (token.isEmpty()) {
      throw new Stop(file, line, "empty " + what);
    }
    if (!token.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new Stop(
          file,
          line,
          token.length() > 1 && token.charAt(0) == '-' ? "negative " + what : what + ", found");
    }
    if (new BigInteger(token).compareTo(BigInteger.valueOf(MAX_ID)) > 0) {
      throw new Stop(file, line, "does not fit in a 32-bit id");
    }
    return Long.parseLong(token);
  }

  /** A row as parsed, before deduplication. */
  private record Row(Pair pair, long timestamp) {}

  // ---------------------------------------------------------------- lightgcn

  /** The {@code lightgcn} import of {@code dir} holding these train and test bytes. */
  static Outcome lightGcn(Path dir, byte[] train, byte[] test, boolean keepUnseen) {
    Path trainFile = dir.resolve("train.txt");
    Path testFile = dir.resolve("test.txt");
    long[] max = {-1, -1};
    try {
      long lines = 0;
      List<Row> trainRows = new ArrayList<>();
      List<Row> testRows = new ArrayList<>();
      lines += lightGcnFile(trainFile, train, max, trainRows);
      lines += lightGcnFile(testFile, test, max, testRows);
      long rows = trainRows.size() + testRows.size();
      checkIdSpace(dir, "user id", max[0], rows);
      checkIdSpace(dir, "item id", max[1], rows);
      if (trainRows.isEmpty()) {
        throw new Stop(trainFile, 0, "no interactions");
      }
      Map<Pair, Long> trainSet = dedupe(trainRows);
      Map<Pair, Long> testSet = preSplitTest(trainSet, dedupe(testRows), keepUnseen);
      if (testSet.isEmpty()) {
        throw new Stop(dir, 0, "no test interactions left");
      }
      return new Success(
          false,
          (int) max[0] + 1,
          (int) max[1] + 1,
          null,
          null,
          trainSet,
          testSet,
          null,
          0,
          lines,
          0);
    } catch (Stop s) {
      return s.failure;
    }
  }

  private static long lightGcnFile(Path file, byte[] bytes, long[] max, List<Row> rows) {
    List<byte[]> lines = lines(bytes);
    long nonBlank = 0;
    for (int n = 1; n <= lines.size(); n++) {
      String stripped = stripSpaces(decode(file, n, lines.get(n - 1)));
      if (stripped.isEmpty()) {
        continue;
      }
      nonBlank++;
      String[] tokens = WHITESPACE.split(stripped);
      long user = integerId(tokens[0], "user id", file, n);
      max[0] = Math.max(max[0], user);
      for (int t = 1; t < tokens.length; t++) {
        long item = integerId(tokens[t], "item id", file, n);
        max[1] = Math.max(max[1], item);
        rows.add(new Row(new Pair(Long.toString(user), Long.toString(item)), 0));
      }
    }
    if (nonBlank == 0) {
      throw new Stop(file, 0, "empty file");
    }
    return nonBlank;
  }

  // ---------------------------------------------------------------- delimited

  /**
   * The options of a {@code delimited} import the oracle understands.
   *
   * @param separator the literal separator, or null for runs of spaces/tabs
   * @param header whether each file starts with a header line
   * @param columns user, item, rating, timestamp: a name or a decimal position, null when absent
   * @param ratingThreshold keep rows with rating >= it; null: no threshold
   * @param identity integer ids used as given (else dense ids)
   * @param keepUnseen the unseen-test policy
   * @param testRatio the ratio of a single-file split
   */
  record Delimited(
      String separator,
      boolean header,
      String[] columns,
      Double ratingThreshold,
      boolean identity,
      boolean keepUnseen,
      double testRatio) {}

  /**
   * The {@code delimited} import of one file ({@code test == null}, split by ratio with {@code
   * unseen-test: keep}) or of a pre-split pair.
   */
  static Outcome delimited(Delimited o, Path trainFile, byte[] train, Path testFile, byte[] test) {
    if (test == null && !o.keepUnseen()) {
      throw new IllegalArgumentException("a single file is only predictable with keepUnseen");
    }
    try {
      long[] max = {-1, -1};
      long[] counts = new long[2]; // lines, below threshold
      Set<String> users = new HashSet<>();
      Set<String> items = new HashSet<>();
      List<Row> first = delimitedFile(o, trainFile, train, max, counts, users, items);
      List<Row> second =
          testFile == null ? null : delimitedFile(o, testFile, test, max, counts, users, items);
      long rows = first.size() + (second == null ? 0 : second.size());
      if (o.identity()) {
        checkIdSpace(trainFile, "user id", max[0], rows);
        checkIdSpace(trainFile, "item id", max[1], rows);
      }
      if (first.isEmpty()) {
        throw new Stop(trainFile, 0, "no interactions left");
      }
      Map<Pair, Long> trainSet = dedupe(first);
      Map<Pair, Long> testSet = null;
      Map<Pair, Long> all = null;
      Set<Pair> kept;
      if (second == null) {
        all = trainSet;
        trainSet = null;
        Map<String, Integer> perUser = new HashMap<>();
        all.keySet().forEach(p -> perUser.merge(p.user(), 1, Integer::sum));
        if (perUser.values().stream()
            .noneMatch(n -> Math.min(Math.round(o.testRatio() * n), n - 1) > 0)) {
          throw new Stop(trainFile, 0, "no test interactions left");
        }
        kept = all.keySet(); // keep: nothing is dropped, so every id stays
      } else {
        testSet = preSplitTest(trainSet, dedupe(second), o.keepUnseen());
        if (testSet.isEmpty()) {
          throw new Stop(trainFile, 0, "no test interactions left");
        }
        kept = new HashSet<>(trainSet.keySet());
        kept.addAll(testSet.keySet());
      }
      List<String> userOrder = null;
      List<String> itemOrder = null;
      int numUsers = (int) max[0] + 1;
      int numItems = (int) max[1] + 1;
      if (!o.identity()) {
        userOrder = denseOrder(kept, true, users);
        itemOrder = denseOrder(kept, false, items);
        numUsers = userOrder.size();
        numItems = itemOrder.size();
      }
      return new Success(
          !o.identity(),
          numUsers,
          numItems,
          userOrder,
          itemOrder,
          trainSet,
          testSet,
          all,
          o.testRatio(),
          counts[0],
          counts[1]);
    } catch (Stop s) {
      return s.failure;
    }
  }

  private static List<Row> delimitedFile(
      Delimited o,
      Path file,
      byte[] bytes,
      long[] max,
      long[] counts,
      Set<String> users,
      Set<String> items) {
    List<byte[]> lines = lines(bytes);
    List<Row> rows = new ArrayList<>();
    int[] idx = o.header() ? null : positions(o, null, file, 0);
    long dataLines = 0;
    long firstLine = 0;
    boolean firstIsWords = false;
    boolean laterAllIntegers = true;
    for (int n = 1; n <= lines.size(); n++) {
      String line = decode(file, n, lines.get(n - 1));
      if (line.isBlank()) {
        continue;
      }
      List<String> fields = split(o.separator(), line, file, n);
      if (idx == null) {
        idx = positions(o, fields, file, n);
        continue;
      }
      dataLines++;
      int needed = Arrays.stream(idx).max().getAsInt() + 1;
      if (fields.size() < needed) {
        throw new Stop(file, n, "expected at least " + needed + " fields");
      }
      boolean integers = isInteger(fields.get(idx[0])) && isInteger(fields.get(idx[1]));
      if (dataLines == 1) {
        firstLine = n;
        firstIsWords = !integers;
      } else {
        laterAllIntegers &= integers;
      }
      if (o.ratingThreshold() != null) {
        double rating = number(fields.get(idx[2]), "rating", file, n);
        if (rating < o.ratingThreshold()) {
          counts[1]++;
          continue;
        }
      }
      String user = fields.get(idx[0]);
      String item = fields.get(idx[1]);
      if (user.isEmpty()) {
        throw new Stop(file, n, "empty user id");
      }
      if (o.identity()) {
        user = Long.toString(integerId(user, "user id", file, n));
      } else {
        users.add(user);
      }
      if (item.isEmpty()) {
        throw new Stop(file, n, "empty item id");
      }
      if (o.identity()) {
        item = Long.toString(integerId(item, "item id", file, n));
        max[0] = Math.max(max[0], Long.parseLong(user));
        max[1] = Math.max(max[1], Long.parseLong(item));
      } else {
        items.add(item);
      }
      long ts = 0;
      if (idx[3] >= 0) {
        try {
          ts = Long.parseLong(fields.get(idx[3]));
        } catch (NumberFormatException e) {
          throw new Stop(file, n, "expected an integer timestamp");
        }
      }
      rows.add(new Row(new Pair(user, item), ts));
    }
    if (dataLines == 0) {
      throw new Stop(file, 0, "empty file");
    }
    if (!o.header() && firstIsWords && dataLines > 1 && laterAllIntegers) {
      throw new Stop(file, firstLine, "looks like a header");
    }
    counts[0] += dataLines;
    return rows;
  }

  private static boolean isInteger(String s) {
    return s.matches("-?[0-9]+");
  }

  /**
   * Fields as the documentation says: {@code whitespace} split at runs of blanks, one pair of
   * quotes removed; a literal separator read as RFC 4180 CSV, fields trimmed.
   */
  private static List<String> split(String separator, String line, Path file, long n) {
    List<String> out = new ArrayList<>();
    if (separator == null) {
      for (String f : WHITESPACE.split(stripSpaces(line))) {
        String s = f.trim();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
          s = s.substring(1, s.length() - 1).trim();
        }
        out.add(s);
      }
      return out;
    }
    int i = 0;
    while (true) {
      while (i < line.length()
          && Character.isWhitespace(line.charAt(i))
          && !line.startsWith(separator, i)) {
        i++;
      }
      StringBuilder field = new StringBuilder();
      if (i < line.length() && line.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= line.length()) {
            throw new Stop(file, n, "quoted field is not closed");
          }
          char c = line.charAt(i++);
          if (c != '"') {
            field.append(c);
          } else if (i < line.length() && line.charAt(i) == '"') {
            field.append('"');
            i++;
          } else {
            break;
          }
        }
        while (i < line.length()
            && !line.startsWith(separator, i)
            && Character.isWhitespace(line.charAt(i))) {
          i++;
        }
        if (i < line.length() && !line.startsWith(separator, i)) {
          throw new Stop(file, n, "after the closing double quote");
        }
      } else {
        while (i < line.length() && !line.startsWith(separator, i)) {
          field.append(line.charAt(i++));
        }
      }
      out.add(field.toString().trim());
      if (i >= line.length()) {
        return out;
      }
      i += separator.length();
    }
  }

  private static int[] positions(Delimited o, List<String> header, Path file, long line) {
    int[] idx = new int[4];
    for (int k = 0; k < 4; k++) {
      String c = o.columns()[k];
      if (c == null) {
        idx[k] = -1;
      } else if (c.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
        idx[k] = Integer.parseInt(c);
      } else {
        idx[k] = header.indexOf(c);
        for (int h = 0; idx[k] < 0 && h < header.size(); h++) {
          if (header.get(h).equalsIgnoreCase(c)) {
            idx[k] = h;
          }
        }
        if (idx[k] < 0) {
          throw new Stop(file, line, "the header has no column '" + c + "'");
        }
      }
    }
    return idx;
  }

  private static double number(String s, String what, Path file, long line) {
    try {
      double v = Double.parseDouble(s);
      if (Double.isFinite(v)) {
        return v;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new Stop(file, line, "expected a number as " + what);
  }

  /** The dense id order: numeric when every id of that side is a decimal integer, else text. */
  private static List<String> denseOrder(Set<Pair> kept, boolean users, Set<String> interned) {
    boolean numeric =
        interned.stream()
            .allMatch(s -> !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9'));
    Comparator<String> order =
        numeric
            ? Comparator.comparing((String s) -> new BigInteger(s))
                .thenComparing(Comparator.naturalOrder())
            : Comparator.naturalOrder();
    TreeSet<String> ids = new TreeSet<>(order);
    for (Pair p : kept) {
      ids.add(users ? p.user() : p.item());
    }
    return List.copyOf(ids);
  }

  // ---------------------------------------------------------------- shared steps

  private static void checkIdSpace(Path where, String what, long max, long rows) {
    if (max + 1 > 16 * rows + 1_000_000) {
      throw new Stop(where, 0, "the largest " + what);
    }
  }

  /** One row per pair, the earliest timestamp. */
  private static Map<Pair, Long> dedupe(List<Row> rows) {
    Map<Pair, Long> out = new LinkedHashMap<>();
    for (Row r : rows) {
      out.merge(r.pair(), r.timestamp(), Math::min);
    }
    return out;
  }

  /** Test rows not in train, and (drop) only those whose user and item are in train. */
  private static Map<Pair, Long> preSplitTest(
      Map<Pair, Long> train, Map<Pair, Long> test, boolean keepUnseen) {
    Set<String> users = new HashSet<>();
    Set<String> items = new HashSet<>();
    train
        .keySet()
        .forEach(
            p -> {
              users.add(p.user());
              items.add(p.item());
            });
    Map<Pair, Long> out = new LinkedHashMap<>();
    test.forEach(
        (p, ts) -> {
          if (!train.containsKey(p)
              && (keepUnseen || (users.contains(p.user()) && items.contains(p.item())))) {
            out.put(p, ts);
          }
        });
    return out;
  }

  private static String stripSpaces(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
      a++;
    }
    while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) {
      b--;
    }
    return s.substring(a, b);
  }
}
