package io.cbns.data.arrow.importer;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
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
 * unseen-test}, {@code validation-ratio}, {@code seed}.
 *
 * @param directory the source directory
 * @param common name, unseen policy, validation ratio, seed
 */
public record LightGcnImport(Path directory, CommonImportOptions common) implements ImportSpec {
  public static final String TRAIN_FILE = "train.txt";
  public static final String TEST_FILE = "test.txt";
  private static final String LINE_FORMAT = "lines are 'user item item ...', separated by spaces";

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
    if (common.validationSplit() == SplitMethod.LEAVE_LAST_OUT) {
      throw new ConfigException(
          o.keyPath("validation-split"),
          "leave-last-out needs timestamps, which a LightGCN directory does not have; use ratio or"
              + " hash-ratio");
    }
    return new LightGcnImport(dir, common);
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
    DatasetAssembler.Result r =
        DatasetAssembler.assemble(plan, train.toTable(), test.toTable(), null, null);
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
