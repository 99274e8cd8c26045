package io.cbns.data.arrow.importer;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.data.arrow.format.InteractionTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code lightgcn} importer: a directory with {@code train.txt} and {@code test.txt}, one line
 * per user, {@code user item item ...}, 0-based integer ids separated by spaces or tabs (the format
 * of the LightGCN / NGCF data splits). Ids are used as given: the id spaces are {@code [0, max id +
 * 1)} over both files. A line with a user and no items is allowed; blank lines are skipped. Files
 * are read with {@link TextLines} (UTF-8, a byte-order mark skipped, any line end).
 *
 * <p>Options: {@code path} (required), {@code name} (default: the directory's name), {@code
 * unseen-test}, {@code validation-ratio}, {@code validation-split}, {@code seed}, {@code
 * line-order}.
 *
 * <p>{@code line-order: time} states that each user's items are listed in time order, oldest first,
 * and that the test file follows the train file in time. The importer then gives every row a
 * timestamp column holding its position in the user's sequence (train rows 0, 1, ..., test rows
 * numbered on after the user's train rows), which the time-based validation carves ({@code
 * latest-ratio}, {@code leave-last-out}) read. Without it (the default) the rows carry no
 * timestamps and the order of a line means nothing.
 *
 * @param directory the source directory
 * @param common name, unseen policy, validation ratio, seed
 * @param lineOrderTime whether line order is time order ({@code line-order: time})
 */
public record LightGcnImport(Path directory, CommonImportOptions common, boolean lineOrderTime)
    implements ImportSpec {
  public static final String TRAIN_FILE = "train.txt";
  public static final String TEST_FILE = "test.txt";
  private static final String LINE_FORMAT = "lines are 'user item item ...', separated by spaces";
  private static final String TIME = "time";
  private static final List<String> LINE_ORDERS = List.of("none", TIME);

  public LightGcnImport {
    requireNonNull(directory, "directory is null");
    requireNonNull(common, "common is null");
  }

  /** Reads the importer's options (see the class comment). */
  public static LightGcnImport fromOptions(Options o) {
    String raw = o.requireString("path");
    Path dir = ImportSupport.existing(o, "path", raw, true);
    CommonImportOptions common =
        CommonImportOptions.read(
            o, dir.getFileName() == null ? "lightgcn" : dir.getFileName().toString());
    // no default value: a key left out stays out of the resolved options, so that the options
    // recorded for every dataset imported without it stay the same
    boolean lineOrderTime = TIME.equals(o.getChoice("line-order", null, LINE_ORDERS));
    SplitMethod carve = common.validationSplit();
    if (carve != null && carve.needsTimestamps() && !lineOrderTime) {
      throw new ConfigException(
          o.keyPath("validation-split"),
          carve.optionValue()
              + " needs timestamps, which a LightGCN directory has only when its lines list each"
              + " user's items in time order: set line-order: time if they do, else use ratio or"
              + " hash-ratio");
    }
    return new LightGcnImport(dir, common, lineOrderTime);
  }

  @Override
  public String format() {
    return "lightgcn";
  }

  @Override
  public List<Path> sourceFiles() {
    return List.of(directory.resolve(TRAIN_FILE), directory.resolve(TEST_FILE));
  }

  @Override
  public Map<String, Object> resolvedOptions() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", directory.toString());
    common.putInto(m);
    if (lineOrderTime) {
      m.put("line-order", TIME);
    }
    return m;
  }

  @Override
  public List<String> locationKeys() {
    return List.of("path", "name");
  }

  @Override
  public Loaded load() {
    Path trainFile = directory.resolve(TRAIN_FILE);
    Path testFile = directory.resolve(TEST_FILE);
    for (Path f : sourceFiles()) {
      if (!Files.isRegularFile(f)) {
        throw new CbnsException(
            f + ": not found; a LightGCN directory holds " + TRAIN_FILE + " and " + TEST_FILE);
      }
    }
    long[] max = {-1, -1}; // largest user id, largest item id
    long[] lines = {0};
    InteractionBuffer train = parse(trainFile, max, lines);
    InteractionBuffer test = parse(testFile, max, lines);
    checkIdSpaces(max[0], max[1], train.size() + (long) test.size(), directory.toString());
    if (train.size() == 0) {
      throw new CbnsException(trainFile + ": no interactions (" + LINE_FORMAT + ")");
    }
    InteractionTable trainTable = train.toTable();
    InteractionTable testTable = test.toTable();
    if (lineOrderTime) {
      // each user's rows in file order, train then test: one counter per user id (the id space
      // was checked above to be no sparser than the rows)
      int[] next = new int[(int) max[0] + 1];
      trainTable = withPositions(trainTable, next);
      testTable = withPositions(testTable, next);
    }
    DatasetAssembler.Plan plan =
        DatasetAssembler.Plan.builder()
            .setName(common.name())
            .setIdSpace((int) max[0] + 1, (int) max[1] + 1)
            .optSource(directory.toString())
            .optValidationRatio(common.validationRatio())
            .optUnseenTest(common.unseenTest())
            .optSeed(common.seed())
            .optValidationSplit(common.preSplitValidation())
            .build();
    DatasetAssembler.Result r = DatasetAssembler.assemble(plan, trainTable, testTable, null, null);
    return new Loaded(r.content(), ImportSupport.stats(lines[0], 0, r.stats()));
  }

  /**
   * Refuses ids far sparser than the interactions (the id spaces are {@code [0, max id + 1)}): the
   * check of {@link #load}, shared with the Spark importer of the same format.
   *
   * @throws CbnsException naming {@code where} and the fix
   */
  public static void checkIdSpaces(long maxUser, long maxItem, long rows, String where) {
    String fix = "Re-number the ids densely from 0.";
    ImportSupport.checkIdSpace("user id", maxUser, rows, where, fix);
    ImportSupport.checkIdSpace("item id", maxItem, rows, where, fix);
  }

  /** The rows with a timestamp column: each row's position among its user's rows so far. */
  private static InteractionTable withPositions(InteractionTable t, int[] next) {
    int[] users = t.userIds();
    long[] positions = new long[users.length];
    for (int r = 0; r < users.length; r++) {
      positions[r] = next[users[r]]++;
    }
    return new InteractionTable(users, t.itemIds(), positions, null);
  }

  private static InteractionBuffer parse(Path file, long[] max, long[] lines) {
    InteractionBuffer out = new InteractionBuffer(false, false);
    long nonBlank = 0;
    try (TextLines reader = TextLines.open(file)) {
      for (String line; (line = reader.next()) != null; ) {
        long lineNo = reader.lineNumber();
        int n = line.length();
        int pos = skipSpace(line, 0);
        if (pos == n) {
          continue;
        }
        nonBlank++;
        int end = token(line, pos);
        int user = ImportSupport.parseId(line, pos, end, "user id", file, lineNo);
        max[0] = Math.max(max[0], user);
        pos = skipSpace(line, end);
        while (pos < n) {
          end = token(line, pos);
          int item = ImportSupport.parseId(line, pos, end, "item id", file, lineNo);
          max[1] = Math.max(max[1], item);
          out.add(user, item);
          pos = skipSpace(line, end);
        }
      }
    }
    if (nonBlank == 0) {
      throw new CbnsException(file + ": empty file; expected " + LINE_FORMAT);
    }
    lines[0] += nonBlank;
    return out;
  }

  private static int skipSpace(String s, int pos) {
    while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
      pos++;
    }
    return pos;
  }

  private static int token(String s, int pos) {
    while (pos < s.length() && s.charAt(pos) != ' ' && s.charAt(pos) != '\t') {
      pos++;
    }
    return pos;
  }
}
