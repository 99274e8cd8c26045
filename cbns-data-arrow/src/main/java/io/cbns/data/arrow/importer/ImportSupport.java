package io.cbns.data.arrow.importer;

import io.cbns.core.CbnsException;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Option reading, id parsing and counters shared by the importers. */
public final class ImportSupport {
  static final String LINES = "lines";
  static final String BELOW_THRESHOLD = "below_threshold";
  static final String DUPLICATES = "duplicates";
  static final String TRAIN_TEST_OVERLAP = "train_test_overlap";
  static final String UNSEEN_DROPPED = "unseen_dropped";
  static final String UNSEEN_KEPT = "unseen_kept";
  static final String COMPACTED_USERS = "compacted_users";
  static final String COMPACTED_ITEMS = "compacted_items";

  /** The largest id accepted: {@code max + 1} must still be an int (the id-space size). */
  static final int MAX_ID = Integer.MAX_VALUE - 1;

  private ImportSupport() {}

  /** An existing path option, resolved against the working directory. */
  static Path existing(Options o, String key, String value, boolean directory) {
    Path p;
    try {
      p = Path.of(value).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      // e.g. a NUL character from an escaped YAML string: not a path any file system accepts
      throw new ConfigException(o.keyPath(key), "not a valid path: " + e.getMessage());
    }
    if (directory ? !Files.isDirectory(p) : !Files.isRegularFile(p)) {
      throw new ConfigException(
          o.keyPath(key),
          "no such "
              + (directory ? "directory" : "file")
              + ": "
              + p
              + " (given as '"
              + value
              + "')");
    }
    return p;
  }

  /**
   * Parses a decimal id in {@code s[start, end)}.
   *
   * @param what e.g. "user id", for the message
   */
  static int parseId(CharSequence s, int start, int end, String what, Path file, long line) {
    if (start >= end) {
      throw new CbnsException(file + ":" + line + ": empty " + what);
    }
    // every character is checked before the value, so that "12x" is reported as not an id even
    // when its digits alone would overflow
    long v = 0;
    boolean digits = true;
    for (int k = start; k < end && digits; k++) {
      char c = s.charAt(k);
      digits = c >= '0' && c <= '9';
    }
    for (int k = start; k < end && digits && v <= MAX_ID; k++) {
      v = v * 10 + (s.charAt(k) - '0');
    }
    if (!digits || v > MAX_ID) {
      String problem = idProblem(s.subSequence(start, end).toString(), what);
      throw new CbnsException(file + ":" + line + ": " + problem);
    }
    return (int) v;
  }

  /**
   * What is wrong with {@code token} as an id used as given (decimal digits, leading zeros allowed,
   * a value up to {@link #MAX_ID}), in the words every importer uses, or null when it is an id.
   * Public for the importer on Spark, which checks ids in its executors and words the first bad one
   * the same way.
   *
   * @param what e.g. "user id"
   */
  public static String idProblem(String token, String what) {
    if (!token.matches("[0-9]+")) {
      return token.startsWith("-") && token.length() > 1
          ? "negative " + what + " " + shorten(token) + "; ids must be non-negative integers"
          : "expected a non-negative integer " + what + ", found '" + shorten(token) + "'";
    }
    if (new java.math.BigInteger(token).compareTo(java.math.BigInteger.valueOf(MAX_ID)) > 0) {
      return what + " " + shorten(token) + " does not fit in a 32-bit id (at most " + MAX_ID + ")";
    }
    return null;
  }

  /**
   * Rejects an id space far larger than the data: {@code max + 1} ids for only {@code rows} rows
   * would allocate per-id arrays for ids that do not exist.
   */
  static void checkIdSpace(String what, long maxId, long rows, String where, String fix) {
    if (maxId + 1 > 16 * rows + 1_000_000) {
      throw new CbnsException(
          where
              + ": the largest "
              + what
              + " is "
              + maxId
              + " but there are only "
              + rows
              + " interactions; ids this sparse would waste memory on ids that do not exist. "
              + fix);
    }
  }

  static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  static Map<String, Long> stats(long lines, long belowThreshold, DatasetAssembler.Stats s) {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put(LINES, lines);
    m.put(BELOW_THRESHOLD, belowThreshold);
    m.put(DUPLICATES, s.duplicates());
    m.put(TRAIN_TEST_OVERLAP, s.trainTestOverlap());
    m.put(UNSEEN_DROPPED, s.unseenDropped());
    m.put(UNSEEN_KEPT, s.unseenKept());
    m.put(COMPACTED_USERS, s.compactedUsers());
    m.put(COMPACTED_ITEMS, s.compactedItems());
    return m;
  }
}
