package io.cbns.data.arrow.format;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.FeatureTable;
import io.cbns.data.arrow.format.DatasetManifest.FileEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Reads a dataset directory into memory and verifies it: the schema version, every file's row count
 * against the manifest, id ranges, the item counts against the train split, and the content
 * fingerprint. Any mismatch is a {@link CbnsException} naming the file.
 *
 * <p>Stateless.
 */
public final class DatasetReader {
  private DatasetReader() {}

  /**
   * A verified dataset.
   *
   * @param directory the dataset directory (absolute)
   * @param manifest its manifest
   * @param content its content
   */
  public record Loaded(Path directory, DatasetManifest manifest, DatasetContent content) {
    public Loaded {
      requireNonNull(directory, "directory is null");
      requireNonNull(manifest, "manifest is null");
      requireNonNull(content, "content is null");
    }
  }

  /** Reads only the manifest (cheap; no verification of the data). */
  public static DatasetManifest readManifest(Path dir) {
    Path file = dir.resolve(DatasetLayout.MANIFEST);
    if (!Files.isDirectory(dir)) {
      throw new CbnsException(
          dir + ": no such dataset directory; create one with `./cbns import` or check the path");
    }
    if (!Files.isRegularFile(file)) {
      throw new CbnsException(
          file + ": missing; " + dir + " is not a complete cbns dataset (re-create it)");
    }
    try {
      return DatasetManifest.fromJson(
          Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new CbnsException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** Reads and verifies a dataset directory. */
  public static Loaded read(Path directory) {
    Path dir = directory.toAbsolutePath().normalize();
    DatasetManifest m = readManifest(dir);
    checkHoldable(dir, m);
    DatasetContent content;
    try (BufferAllocator allocator = new RootAllocator()) {
      InteractionTable train = split(dir, m, m.train(), allocator);
      Rest r = rest(dir, m, allocator);
      content =
          new DatasetContent(
              m.name(),
              m.numUsers(),
              m.numItems(),
              train,
              r.validation(),
              r.test(),
              r.userMap(),
              r.itemMap(),
              r.itemFeatures(),
              r.userFeatures());
      checkCounts(dir.resolve(m.itemCounts().file()), r.counts(), content.itemTrainCounts());
    }
    checkFingerprint(dir, m, content.fingerprint());
    return new Loaded(dir, m, content);
  }

  /**
   * A verified dataset whose train split stays on disk: what {@link #readStreamed} keeps.
   *
   * @param trainByUser the train interactions per user (4 bytes per distinct pair)
   * @param itemTrainCounts how often each item occurs in the train split
   * @param validation the validation split, or null
   * @param test the test split
   */
  public record Streamed(
      Path directory,
      DatasetManifest manifest,
      CsrMatrix trainByUser,
      long[] itemTrainCounts,
      InteractionTable validation,
      InteractionTable test,
      String[] userIdMap,
      String[] itemIdMap,
      FeatureTable itemFeatures,
      FeatureTable userFeatures) {
    public Streamed {
      requireNonNull(directory, "directory is null");
      requireNonNull(manifest, "manifest is null");
      requireNonNull(trainByUser, "trainByUser is null");
      requireNonNull(itemTrainCounts, "itemTrainCounts is null");
      requireNonNull(test, "test is null");
    }
  }

  /**
   * Reads and verifies a dataset directory like {@link #read}, but visits the train split one file
   * (shard) at a time and keeps only its per-user matrix: the whole split is never in memory. Every
   * check of {@link #read} is made (row counts, id ranges, item counts, fingerprint); the train
   * files are read several times (for the matrix, the counts and the fingerprint), which costs time
   * but no memory.
   */
  public static Streamed readStreamed(Path directory) {
    Path dir = directory.toAbsolutePath().normalize();
    DatasetManifest m = readManifest(dir);
    checkHoldable(dir, m);
    try (BufferAllocator allocator = new RootAllocator()) {
      Rest r = rest(dir, m, allocator);
      InteractionTable test = r.test();
      InteractionTable validation = r.validation();
      // the pairs alone where they are all that is needed, every column for the fingerprint
      DatasetContent.Shards trainIds = shards(dir, m, true, allocator);
      DatasetContent.Shards train = shards(dir, m, false, allocator);
      CsrMatrix byUser;
      try {
        byUser =
            CsrMatrix.fromPairChunks(
                m.numUsers(),
                m.numItems(),
                visitor -> trainIds.forEach(t -> visitor.accept(t.userIds(), t.itemIds())));
      } catch (IllegalStateException e) {
        throw new CbnsException(
            dir + ": the train shards changed while the dataset was being opened; open it again",
            e);
      }
      long[] actual = new long[m.numItems()];
      trainIds.forEach(
          t -> {
            for (int item : t.itemIds()) {
              actual[item]++;
            }
          });
      checkCounts(dir.resolve(m.itemCounts().file()), r.counts(), actual);
      String fingerprint =
          DatasetContent.fingerprint(
              m.numUsers(),
              m.numItems(),
              new DatasetContent.SplitShards[] {
                new DatasetContent.SplitShards(m.train().rows(), train),
                validation == null
                    ? null
                    : new DatasetContent.SplitShards(validation.size(), v -> v.accept(validation)),
                new DatasetContent.SplitShards(test.size(), v -> v.accept(test))
              },
              m.hasTimestamps(),
              m.hasWeights(),
              r.userMap(),
              r.itemMap(),
              r.itemFeatures(),
              r.userFeatures());
      checkFingerprint(dir, m, fingerprint);
      return new Streamed(
          dir,
          m,
          byUser,
          r.counts(),
          validation,
          test,
          r.userMap(),
          r.itemMap(),
          r.itemFeatures(),
          r.userFeatures());
    }
  }

  /** The train split's shards in order, read one at a time when visited. */
  private static DatasetContent.Shards shards(
      Path dir, DatasetManifest m, boolean idsOnly, BufferAllocator allocator) {
    return visitor -> {
      for (FileEntry shard : m.train().files()) {
        visitor.accept(checkedShard(dir, m, shard, allocator, idsOnly));
      }
    };
  }

  /**
   * Reads the pairs of one file of a split (a shard, or the split's only file) of a verified
   * dataset, checking its schema and row count against the manifest and its ids against the sizes:
   * for loaders that read a split a shard at a time. The table holds the user and item ids only (no
   * timestamps or weights, which are not copied).
   *
   * @throws CbnsException naming the file when it no longer matches the manifest
   */
  public static InteractionTable readShard(Path dir, DatasetManifest m, FileEntry shard) {
    try (BufferAllocator allocator = new RootAllocator()) {
      return checkedShard(dir, m, shard, allocator, true);
    }
  }

  /** Everything of a dataset directory but its train split, read and checked. */
  private record Rest(
      InteractionTable validation,
      InteractionTable test,
      long[] counts,
      String[] userMap,
      String[] itemMap,
      FeatureTable itemFeatures,
      FeatureTable userFeatures) {}

  private static Rest rest(Path dir, DatasetManifest m, BufferAllocator allocator) {
    InteractionTable test = split(dir, m, m.test(), allocator);
    InteractionTable validation =
        m.validation() == null ? null : split(dir, m, m.validation(), allocator);
    checkRows(dir, m.itemCounts(), m.numItems(), "num_items");
    long[] counts =
        ArrowColumns.readItemCounts(
            dir.resolve(m.itemCounts().file()), m.itemCounts().rows(), allocator);
    return new Rest(
        validation,
        test,
        counts,
        idMap(dir, m.userIds(), m.numUsers(), "num_users", allocator),
        idMap(dir, m.itemIds(), m.numItems(), "num_items", allocator),
        features(dir, m.itemFeatures(), m.numItems(), "num_items", allocator),
        features(dir, m.userFeatures(), m.numUsers(), "num_users", allocator));
  }

  private static FeatureTable features(
      Path dir,
      DatasetManifest.FeatureFile f,
      int expected,
      String key,
      BufferAllocator allocator) {
    if (f == null) {
      return null;
    }
    checkRows(dir, new FileEntry(f.file(), f.rows()), expected, key);
    return FeatureColumns.read(dir.resolve(f.file()), f.rows(), f.features(), allocator);
  }

  /** A split's rows: its file's, or its shards' in order. */
  private static InteractionTable split(
      Path dir, DatasetManifest m, FileEntry entry, BufferAllocator allocator) {
    if (entry.shards().isEmpty()) {
      return checkedShard(dir, m, entry, allocator, false);
    }
    int n = Math.toIntExact(entry.rows());
    int[] users = new int[n];
    int[] items = new int[n];
    long[] timestamps = m.hasTimestamps() ? new long[n] : null;
    float[] weights = m.hasWeights() ? new float[n] : null;
    int at = 0;
    for (FileEntry shard : entry.shards()) {
      InteractionTable t = checkedShard(dir, m, shard, allocator, false);
      System.arraycopy(t.userIds(), 0, users, at, t.size());
      System.arraycopy(t.itemIds(), 0, items, at, t.size());
      if (timestamps != null) {
        System.arraycopy(t.timestamps(), 0, timestamps, at, t.size());
      }
      if (weights != null) {
        System.arraycopy(t.weights(), 0, weights, at, t.size());
      }
      at += t.size();
    }
    return new InteractionTable(users, items, timestamps, weights);
  }

  private static InteractionTable checkedShard(
      Path dir, DatasetManifest m, FileEntry entry, BufferAllocator allocator, boolean idsOnly) {
    Path file = dir.resolve(entry.file());
    InteractionTable t =
        ArrowColumns.readInteractions(
            file, entry.rows(), m.hasTimestamps(), m.hasWeights(), idsOnly, allocator);
    int[] u = t.userIds();
    int[] i = t.itemIds();
    for (int r = 0; r < u.length; r++) {
      if (u[r] < 0 || u[r] >= m.numUsers()) {
        throw new CbnsException(
            file
                + ": row "
                + r
                + " has user_id "
                + u[r]
                + " outside [0, "
                + m.numUsers()
                + ") (num_users in "
                + DatasetLayout.MANIFEST
                + ")");
      }
      if (i[r] < 0 || i[r] >= m.numItems()) {
        throw new CbnsException(
            file
                + ": row "
                + r
                + " has item_id "
                + i[r]
                + " outside [0, "
                + m.numItems()
                + ") (num_items in "
                + DatasetLayout.MANIFEST
                + ")");
      }
    }
    return t;
  }

  private static String[] idMap(
      Path dir, FileEntry entry, int expected, String key, BufferAllocator allocator) {
    if (entry == null) {
      return null;
    }
    checkRows(dir, entry, expected, key);
    return ArrowColumns.readIdMap(dir.resolve(entry.file()), entry.rows(), allocator);
  }

  /** One process holds a split in int-indexed arrays (its rows, or its per-user matrix). */
  private static void checkHoldable(Path dir, DatasetManifest m) {
    for (FileEntry split : new FileEntry[] {m.train(), m.validation(), m.test()}) {
      if (split != null && split.rows() > Integer.MAX_VALUE - 8) {
        throw new CbnsException(
            dir.resolve(DatasetLayout.MANIFEST)
                + ": a split of "
                + split.rows()
                + " rows; one process holds at most "
                + (Integer.MAX_VALUE - 8)
                + " rows per split (in memory or streamed): use the Spark jobs for this dataset,"
                + " or train on a sample of its users");
      }
    }
  }

  private static void checkFingerprint(Path dir, DatasetManifest m, String actual) {
    if (!actual.equals(m.fingerprint())) {
      throw new CbnsException(
          dir.resolve(DatasetLayout.MANIFEST)
              + ": fingerprint "
              + m.fingerprint()
              + " does not match the data ("
              + actual
              + "); the directory was modified after it was written, re-create the dataset");
    }
  }

  private static void checkRows(Path dir, FileEntry entry, long expected, String key) {
    if (entry.rows() != expected) {
      throw new CbnsException(
          dir.resolve(DatasetLayout.MANIFEST)
              + ": "
              + entry.file()
              + " is listed with "
              + entry.rows()
              + " rows but "
              + key
              + " is "
              + expected
              + "; re-create the dataset");
    }
  }

  private static void checkCounts(Path file, long[] stored, long[] actual) {
    for (int item = 0; item < actual.length; item++) {
      if (stored[item] != actual[item]) {
        throw new CbnsException(
            file
                + ": item "
                + item
                + " has count "
                + stored[item]
                + " but the train split holds "
                + actual[item]
                + " interactions of it; re-create the dataset");
      }
    }
  }
}
