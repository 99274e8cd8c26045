package io.cbns.data.arrow.importer;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code delimited} importer: text files with one interaction per line and fields separated by
 * a single- or multi-character separator (CSV, TSV, MovieLens {@code u.data} with tabs, {@code
 * ratings.dat} with {@code ::}), with or without a header line, columns chosen by name or 0-based
 * position. Either one file ({@code path}, split by {@code split}) or a pre-split pair ({@code
 * train-path}, {@code test-path}).
 *
 * <p>A literal separator is read as CSV with RFC 4180 quoting by Apache Commons CSV (a quoted field
 * may hold the separator, line breaks and doubled quotes); fields are trimmed; the {@code
 * whitespace} separator splits at runs of spaces and tabs without quoting ({@link
 * DelimitedReader}). Blank lines are skipped. Files are read with {@link TextLines}: UTF-8, a
 * byte-order mark skipped, {@code \n}, {@code \r\n} or {@code \r} line ends, and a control
 * character other than tab is an error (trimming would silently strip it from an id). With {@code
 * header: false}, a first line whose ids are words while every other line's are numbers is an error
 * that suggests {@code header: true}, instead of a user and an item named after the columns.
 *
 * @param path the single source file, or {@code null} with train/test paths
 * @param trainPath the train file of a pre-split source, or {@code null}
 * @param testPath the test file of a pre-split source, or {@code null}
 * @param separator how fields are separated
 * @param header whether each file starts with a header line of column names
 * @param columns where the user, item and optional columns are
 * @param ratingThreshold rows with a rating below it are dropped ({@code -infinity}: keep all)
 * @param idMapping how ids become dense ints
 * @param split how a single file is split ({@code null} for a pre-split source)
 * @param testRatio the held-out fraction for {@link SplitMethod#RATIO}
 * @param common name, unseen policy, validation ratio, seed
 */
public record DelimitedImport(
    Path path,
    Path trainPath,
    Path testPath,
    Separator separator,
    boolean header,
    Columns columns,
    double ratingThreshold,
    IdMapping idMapping,
    SplitMethod split,
    double testRatio,
    CommonImportOptions common)
    implements ImportSpec {
  public DelimitedImport {
    requireNonNull(separator, "separator is null");
    requireNonNull(columns, "columns is null");
    requireNonNull(idMapping, "idMapping is null");
    requireNonNull(common, "common is null");
    if ((path == null) == (trainPath == null) || (trainPath == null) != (testPath == null)) {
      throw new IllegalArgumentException("give either path or both trainPath and testPath");
    }
    if ((path == null) != (split == null)) {
      throw new IllegalArgumentException("a split method goes with a single path");
    }
  }

  /**
   * How fields are separated.
   *
   * @param literal the separator string, or {@code null} for runs of spaces and tabs
   */
  public record Separator(String literal) {
    public Separator {
      if (literal != null && literal.isEmpty()) {
        throw new IllegalArgumentException("separator must not be empty");
      }
    }

    /**
     * The separator an option value names: {@code tab} (or {@code \t}), {@code comma}, {@code
     * semicolon}, {@code pipe}, {@code space}, {@code whitespace} (runs of spaces and tabs), or the
     * value itself.
     */
    public static Separator named(String value) {
      return switch (value) {
        case "tab", "\\t" -> new Separator("\t");
        case "comma" -> new Separator(",");
        case "semicolon" -> new Separator(";");
        case "pipe" -> new Separator("|");
        case "space" -> new Separator(" ");
        case "whitespace" -> new Separator(null);
        default -> new Separator(value);
      };
    }

    /** The separator as the options spell it. */
    String optionValue() {
      return literal == null ? "whitespace" : literal;
    }

    /** For messages: control characters made visible. */
    String display() {
      return literal == null ? "spaces/tabs" : "'" + literal.replace("\t", "\\t") + "'";
    }
  }

  /**
   * A column: by 0-based position, or by name (needs a header line).
   *
   * @param name the header name, or {@code null}
   * @param index the position, or -1
   */
  public record ColumnRef(String name, int index) {
    public ColumnRef {
      if ((name == null) == (index < 0)) {
        throw new IllegalArgumentException("a column has either a name or a position");
      }
    }

    String optionValue() {
      return name != null ? name : String.valueOf(index);
    }
  }

  /**
   * Where the fields are.
   *
   * @param user the user id column
   * @param item the item id column
   * @param rating the rating column, or {@code null}
   * @param timestamp the timestamp column (integer), or {@code null}
   * @param weight the weight column (number), or {@code null}
   */
  public record Columns(
      ColumnRef user, ColumnRef item, ColumnRef rating, ColumnRef timestamp, ColumnRef weight) {
    public Columns {
      requireNonNull(user, "user is null");
      requireNonNull(item, "item is null");
    }

    ColumnRef[] all() {
      return new ColumnRef[] {user, item, rating, timestamp, weight};
    }
  }

  private static final String[] COLUMN_KEYS = {
    "user-column", "item-column", "rating-column", "timestamp-column", "weight-column"
  };

  /** Reads the importer's options (see {@code docs/data.md}). */
  public static DelimitedImport fromOptions(Options o) {
    String single = o.getString("path", null);
    String train = o.getString("train-path", null);
    String test = o.getString("test-path", null);
    if (single != null && (train != null || test != null)) {
      throw new ConfigException(
          o.keyPath("path"), "give either path (one file to split) or train-path and test-path");
    }
    if (single == null && (train == null || test == null)) {
      throw new ConfigException(
          o.keyPath(
              train == null
                  ? (single == null && test == null ? "path" : "train-path")
                  : "test-path"),
          "is required: give path (one file to split) or both train-path and test-path");
    }
    Path path = single == null ? null : ImportSupport.existing(o, "path", single, false);
    Path trainPath = train == null ? null : ImportSupport.existing(o, "train-path", train, false);
    Path testPath = test == null ? null : ImportSupport.existing(o, "test-path", test, false);
    Separator separator = separator(o);
    boolean header = o.getBoolean("header", false);
    ColumnRef[] refs = new ColumnRef[COLUMN_KEYS.length];
    String[] defaults = {"0", "1", null, null, null};
    for (int k = 0; k < COLUMN_KEYS.length; k++) {
      refs[k] = column(o, COLUMN_KEYS[k], defaults[k], header);
    }
    Columns columns = new Columns(refs[0], refs[1], refs[2], refs[3], refs[4]);
    double threshold =
        o.getDouble("rating-threshold", -Double.MAX_VALUE, -Double.MAX_VALUE, Double.MAX_VALUE);
    // the default (keep all) is accepted without a rating column: a run's resolved options hold it
    if (threshold > -Double.MAX_VALUE && columns.rating() == null) {
      throw new ConfigException(
          o.keyPath("rating-threshold"), "needs rating-column (which column holds the rating)");
    }
    IdMapping mapping =
        IdMapping.fromOption(
            o.getChoice("id-mapping", IdMapping.DENSE.optionValue(), IdMapping.optionValues()));
    SplitMethod split = null;
    double testRatio = 0;
    if (path != null) {
      // read for a single path only: read for train-path too, their defaults would go into the
      // resolved options (a run's config.yaml), which this check would then refuse on resume
      split =
          SplitMethod.fromOption(
              o.getChoice("split", SplitMethod.RATIO.optionValue(), SplitMethod.optionValues()));
      testRatio = o.getDouble("test-ratio", 0.2, 0.0, 1.0);
      if (split.byRatio() && !(testRatio > 0 && testRatio < 1)) {
        throw new ConfigException(o.keyPath("test-ratio"), "must be > 0 and < 1, got " + testRatio);
      }
      if (split.needsTimestamps() && columns.timestamp() == null) {
        throw new ConfigException(
            o.keyPath("split"),
            split.optionValue() + " needs timestamp-column (which column is the time)");
      }
    } else if (o.has("split") || o.has("test-ratio")) {
      throw new ConfigException(
          o.keyPath(o.has("split") ? "split" : "test-ratio"),
          "only applies to a single path; train-path and test-path are already split");
    }
    String defaultName = stem(path != null ? path : trainPath.getParent());
    CommonImportOptions common = CommonImportOptions.read(o, defaultName);
    if (path != null && common.validationSplit() != null) {
      throw new ConfigException(
          o.keyPath("validation-split"),
          "only applies to train-path and test-path; one file's validation is carved with its"
              + " split method (set split)");
    }
    if (common.validationSplit() != null
        && common.validationSplit().needsTimestamps()
        && columns.timestamp() == null) {
      throw new ConfigException(
          o.keyPath("validation-split"),
          common.validationSplit().optionValue()
              + " needs timestamp-column (which column is the time)");
    }
    return new DelimitedImport(
        path, trainPath, testPath, separator, header, columns, threshold, mapping, split, testRatio,
        common);
  }

  private static Separator separator(Options o) {
    String raw = o.getString("separator", ",");
    if (raw.isEmpty()) {
      throw new ConfigException(o.keyPath("separator"), "must not be empty");
    }
    return Separator.named(raw);
  }

  private static ColumnRef column(Options o, String key, String defaultValue, boolean header) {
    String raw = o.getString(key, defaultValue);
    if (raw == null) {
      return null;
    }
    String v = raw.trim();
    if (v.isEmpty()) {
      throw new ConfigException(o.keyPath(key), "must not be empty");
    }
    if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        return new ColumnRef(null, Integer.parseInt(v));
      } catch (NumberFormatException e) {
        throw new ConfigException(o.keyPath(key), "position " + v + " is too large");
      }
    }
    if (!header) {
      throw new ConfigException(
          o.keyPath(key),
          "'"
              + v
              + "' is a column name but header is false; set header: true or give a 0-based"
              + " position");
    }
    return new ColumnRef(v, -1);
  }

  private static String stem(Path p) {
    String s = p.getFileName() == null ? "dataset" : p.getFileName().toString();
    int dot = s.lastIndexOf('.');
    return dot > 0 ? s.substring(0, dot) : s;
  }

  @Override
  public String format() {
    return "delimited";
  }

  @Override
  public List<Path> sourceFiles() {
    return path != null ? List.of(path) : List.of(trainPath, testPath);
  }

  @Override
  public Map<String, Object> resolvedOptions() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (path != null) {
      m.put("path", path.toString());
      m.put("split", split.optionValue());
      m.put("test-ratio", testRatio);
    } else {
      m.put("train-path", trainPath.toString());
      m.put("test-path", testPath.toString());
    }
    m.put("separator", separator.optionValue());
    m.put("header", header);
    ColumnRef[] refs = columns.all();
    for (int k = 0; k < refs.length; k++) {
      if (refs[k] != null) {
        m.put(COLUMN_KEYS[k], refs[k].optionValue());
      }
    }
    if (columns.rating() != null && ratingThreshold > -Double.MAX_VALUE) {
      m.put("rating-threshold", ratingThreshold);
    }
    m.put("id-mapping", idMapping.optionValue());
    common.putInto(m);
    return m;
  }

  @Override
  public List<String> locationKeys() {
    return List.of("path", "train-path", "test-path", "name");
  }

  @Override
  public Loaded load() {
    Parser parser = new Parser();
    InteractionBuffer first = parser.parse(path != null ? path : trainPath);
    InteractionBuffer second = testPath == null ? null : parser.parse(testPath);
    long rows = first.size() + (second == null ? 0L : second.size());
    int numUsers;
    int numItems;
    String[] userNames = null;
    String[] itemNames = null;
    if (idMapping == IdMapping.DENSE) {
      IdDictionary.Renumbering users = parser.users.renumber();
      IdDictionary.Renumbering items = parser.items.renumber();
      first.remap(users.newIdOf(), items.newIdOf());
      if (second != null) {
        second.remap(users.newIdOf(), items.newIdOf());
      }
      userNames = users.originals();
      itemNames = items.originals();
      numUsers = userNames.length;
      numItems = itemNames.length;
    } else {
      String fix = "Use id-mapping: dense.";
      ImportSupport.checkIdSpace("user id", parser.maxUser, rows, where(), fix);
      ImportSupport.checkIdSpace("item id", parser.maxItem, rows, where(), fix);
      numUsers = (int) parser.maxUser + 1;
      numItems = (int) parser.maxItem + 1;
    }
    if (first.size() == 0) {
      throw new CbnsException(
          (path != null ? path : trainPath)
              + ": no interactions left"
              + (parser.belowThreshold > 0
                  ? " ("
                      + parser.belowThreshold
                      + " rows below rating-threshold "
                      + ratingThreshold
                      + ")"
                  : ""));
    }
    DatasetAssembler.Plan.Builder plan =
        DatasetAssembler.Plan.builder()
            .setName(common.name())
            .setIdSpace(numUsers, numItems)
            .optSource(where())
            .optValidationRatio(common.validationRatio())
            .optUnseenTest(common.unseenTest())
            .optSeed(common.seed())
            .optCompactIds(idMapping == IdMapping.DENSE);
    if (split != null) {
      plan.optSplit(split, testRatio);
    } else {
      plan.optValidationSplit(common.preSplitValidation());
    }
    DatasetAssembler.Result r =
        DatasetAssembler.assemble(
            plan.build(),
            first.toTable(),
            second == null ? null : second.toTable(),
            userNames,
            itemNames);
    return new Loaded(
        r.content(), ImportSupport.stats(parser.lines, parser.belowThreshold, r.stats()));
  }

  private String where() {
    return path != null ? path.toString() : trainPath + " + " + testPath;
  }

  /** Parses the files of one import, sharing the id dictionaries between them. */
  private final class Parser {
    final IdDictionary users = new IdDictionary();
    final IdDictionary items = new IdDictionary();
    long maxUser = -1;
    long maxItem = -1;
    long lines;
    long belowThreshold;

    InteractionBuffer parse(Path file) {
      boolean hasTs = columns.timestamp() != null;
      boolean hasW = columns.weight() != null;
      InteractionBuffer out = new InteractionBuffer(hasTs, hasW);
      int[] idx = header ? null : positions(null, file, 0);
      int needed = idx == null ? 0 : maxIndex(idx) + 1;
      boolean threshold = columns.rating() != null && ratingThreshold > -Double.MAX_VALUE;
      long dataLines = 0;
      // header: false with a header line: its ids are words where every other line has numbers
      HeaderSuspect suspect = header ? null : new HeaderSuspect();
      try (DelimitedReader reader = DelimitedReader.open(file, separator.literal())) {
        while (reader.next()) {
          long lineNo = reader.lineNumber();
          int nf = reader.size();
          if (idx == null) {
            List<String> names = new ArrayList<>(nf);
            for (int k = 0; k < nf; k++) {
              names.add(reader.field(k));
            }
            idx = positions(names, file, lineNo);
            needed = maxIndex(idx) + 1;
            continue;
          }
          dataLines++;
          if (nf < needed) {
            throw new CbnsException(
                file
                    + ":"
                    + lineNo
                    + ": expected at least "
                    + needed
                    + " fields separated by "
                    + separator.display()
                    + ", found "
                    + nf
                    + " in '"
                    + ImportSupport.shorten(reader.text())
                    + "'"
                    + (suspect != null && dataLines == 1 ? HEADER_HINT : ""));
          }
          if (suspect != null) {
            suspect.observe(reader.field(idx[0]), reader.field(idx[1]), lineNo, reader);
          }
          try {
            if (threshold) {
              double rating = number(reader.field(idx[2]), "rating", file, lineNo);
              if (rating < ratingThreshold) {
                belowThreshold++;
                continue;
              }
            }
            int user = id(reader.field(idx[0]), "user id", users, file, lineNo, true);
            int item = id(reader.field(idx[1]), "item id", items, file, lineNo, false);
            long ts = 0;
            if (hasTs) {
              ts = integer(reader.field(idx[3]), "timestamp", file, lineNo);
            }
            float w = 1f;
            if (hasW) {
              w = (float) number(reader.field(idx[4]), "weight", file, lineNo);
            }
            out.add(user, item, ts, w);
          } catch (CbnsException e) {
            // the first line of a file without a header is often a header after all
            throw dataLines == 1 && suspect != null
                ? new CbnsException(e.getMessage() + HEADER_HINT, e)
                : e;
          }
        }
      }
      if (dataLines == 0) {
        throw new CbnsException(
            file
                + ": empty file; expected "
                + (header ? "a header line and " : "")
                + "lines of fields separated by "
                + separator.display());
      }
      if (suspect != null) {
        suspect.check(file);
      }
      lines += dataLines;
      return out;
    }

    /**
     * The positions of user, item, rating, timestamp, weight (-1 when absent), from the header
     * names read on line {@code headerLine} when columns are named.
     */
    private int[] positions(List<String> headerNames, Path file, long headerLine) {
      ColumnRef[] refs = columns.all();
      int[] idx = new int[refs.length];
      for (int k = 0; k < refs.length; k++) {
        ColumnRef ref = refs[k];
        if (ref == null) {
          idx[k] = -1;
        } else if (ref.name() == null) {
          idx[k] = ref.index();
        } else {
          idx[k] = headerNames.indexOf(ref.name());
          if (idx[k] < 0) {
            for (int h = 0; h < headerNames.size() && idx[k] < 0; h++) {
              if (headerNames.get(h).equalsIgnoreCase(ref.name())) {
                idx[k] = h;
              }
            }
          }
          if (idx[k] < 0) {
            throw new CbnsException(
                file
                    + ":"
                    + headerLine
                    + ": the header has no column '"
                    + ref.name()
                    + "' ("
                    + COLUMN_KEYS[k]
                    + "); columns: "
                    + headerNames
                    + " (separator "
                    + separator.display()
                    + ")");
          }
        }
      }
      return idx;
    }

    private int maxIndex(int[] idx) {
      int m = 0;
      for (int i : idx) {
        m = Math.max(m, i);
      }
      return m;
    }

    private int id(
        String s, String what, IdDictionary dict, Path file, long lineNo, boolean isUser) {
      if (s.isEmpty()) {
        throw new CbnsException(file + ":" + lineNo + ": empty " + what);
      }
      if (idMapping == IdMapping.DENSE) {
        return dict.intern(s);
      }
      int v = ImportSupport.parseId(s, 0, s.length(), what, file, lineNo);
      if (isUser) {
        maxUser = Math.max(maxUser, v);
      } else {
        maxItem = Math.max(maxItem, v);
      }
      return v;
    }

    private double number(String s, String what, Path file, long lineNo) {
      try {
        double v = Double.parseDouble(s);
        if (Double.isFinite(v)) {
          return v;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new CbnsException(
          file
              + ":"
              + lineNo
              + ": expected a number as "
              + what
              + ", found '"
              + ImportSupport.shorten(s)
              + "'");
    }

    private long integer(String s, String what, Path file, long lineNo) {
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        throw new CbnsException(
            file
                + ":"
                + lineNo
                + ": expected an integer "
                + what
                + ", found '"
                + ImportSupport.shorten(s)
                + "'");
      }
    }
  }

  private static final String HEADER_HINT =
      " (header is false: if the first line names the columns, set header: true)";

  /**
   * Watches the user and item ids of a file read with {@code header: false}: when the first line's
   * ids are not numbers and every later line's are, the first line is a header that would silently
   * become a user and an item.
   */
  private static final class HeaderSuspect {
    private boolean firstIsWords;
    private String firstText;
    private String firstWord;
    private long firstLine;
    private long later;
    private boolean laterAllNumbers = true;

    void observe(String user, String item, long lineNo, DelimitedReader reader) {
      boolean numbers = isInteger(user) && isInteger(item);
      if (firstText == null) {
        firstText = reader.text();
        firstLine = lineNo;
        firstIsWords = !numbers;
        firstWord = isInteger(user) ? item : user;
        return;
      }
      later++;
      laterAllNumbers &= numbers;
    }

    void check(Path file) {
      if (firstIsWords && later > 0 && laterAllNumbers) {
        throw new CbnsException(
            file
                + ":"
                + firstLine
                + ": the first line '"
                + ImportSupport.shorten(firstText)
                + "' looks like a header: its id '"
                + ImportSupport.shorten(firstWord)
                + "' is not a number, while the ids of all "
                + later
                + " other lines are; set header: true (or remove the line)");
      }
    }

    private static boolean isInteger(String s) {
      int start = s.startsWith("-") ? 1 : 0;
      if (s.length() == start) {
        return false;
      }
      for (int i = start; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
          return false;
        }
      }
      return true;
    }
  }
}
