package io.cbns.data.arrow;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.DatasetInfo;
import io.cbns.core.data.FeatureTable;
import io.cbns.core.data.InteractionBatch;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.data.RecentRepeats;
import io.cbns.data.arrow.format.DatasetContent;
import io.cbns.data.arrow.format.DatasetManifest;
import io.cbns.data.arrow.format.DatasetManifest.FileEntry;
import io.cbns.data.arrow.format.DatasetReader;
import io.cbns.data.arrow.format.InteractionTable;
import io.cbns.data.arrow.importer.DatasetAssembler;
import io.cbns.data.arrow.loader.PrefetchingBatchIterator;
import io.cbns.data.arrow.loader.ShuffledBatches;
import io.cbns.data.arrow.loader.StreamedBatches;
import io.cbns.data.arrow.loader.SynchronousBatchIterator;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * An {@link InteractionDataset} backed by a dataset directory (see {@code docs/data.md}): {@link
 * #open(Path)} reads the Arrow IPC files into primitive arrays (bulk buffer copies, no per-row
 * objects), verifies them against the manifest and builds the per-user matrices.
 *
 * <p>{@link #trainBatches} shuffles the train interactions once per epoch with an order that is a
 * function of ({@link BatchSpec#seed()}, epoch) only, and produces every train interaction exactly
 * once per epoch (each user's latest ones again as {@link BatchSpec#recentRepeats()} asks); with
 * {@link BatchSpec#prefetch()} {@code > 0} a named daemon thread prepares up to that many batches
 * ahead.
 *
 * <p>Immutable after {@code open} and thread-safe; several epochs' iterators may be open at once.
 * Holds no native memory ({@link #close()} does nothing), so closing is optional.
 */
public final class ArrowInteractionDataset implements InteractionDataset {
  private final Path directory;
  private final DatasetManifest manifest;
  private final DatasetInfo info;
  private final int[] trainUsers;
  private final int[] trainItems;
  // > 0: the train split is streamed in this many passes per epoch (trainUsers/trainItems null)
  private final int passes;
  private final CsrMatrix train;
  private final CsrMatrix test;
  private final CsrMatrix validation;
  private final long[] itemCounts;
  private final List<String> userIdMap;
  private final List<String> itemIdMap;
  private final FeatureTable itemFeatures;
  private final FeatureTable userFeatures;
  // the train columns with the recent repeats of the last spec that asked for them
  private final Object repeatLock = new Object();
  private RecentRepeats cachedRepeats;
  private int[][] cachedColumns;

  /**
   * @param trainUsers the train split's users, held for the in-memory shuffle; null when streaming
   * @param passes 0 for the in-memory shuffle, else the streamed passes per epoch
   */
  private ArrowInteractionDataset(
      Path directory,
      DatasetManifest manifest,
      int[] trainUsers,
      int[] trainItems,
      int passes,
      CsrMatrix train,
      InteractionTable validation,
      InteractionTable test,
      long[] itemCounts,
      String[] userIdMap,
      String[] itemIdMap,
      FeatureTable itemFeatures,
      FeatureTable userFeatures) {
    int users = manifest.numUsers();
    int items = manifest.numItems();
    this.directory = directory;
    this.manifest = manifest;
    this.trainUsers = trainUsers;
    this.trainItems = trainItems;
    this.passes = passes;
    this.train = train;
    this.test = csr(users, items, test);
    this.validation = validation == null ? null : csr(users, items, validation);
    this.itemCounts = itemCounts;
    this.userIdMap = userIdMap == null ? null : List.of(userIdMap);
    this.itemIdMap = itemIdMap == null ? null : List.of(itemIdMap);
    this.itemFeatures = itemFeatures;
    this.userFeatures = userFeatures;
    this.info = info(manifest, directory);
  }

  private static DatasetInfo info(DatasetManifest m, Path directory) {
    return new DatasetInfo(
        m.name(),
        directory.toString(),
        m.numUsers(),
        m.numItems(),
        m.train().rows(),
        m.test().rows(),
        m.fingerprint());
  }

  /**
   * Opens and verifies a dataset directory.
   *
   * @throws io.cbns.core.CbnsException naming the file when the directory is incomplete, of another
   *     schema version, or inconsistent with its manifest
   */
  public static ArrowInteractionDataset open(Path directory) {
    requireNonNull(directory, "directory is null");
    DatasetReader.Loaded loaded = DatasetReader.read(directory);
    DatasetContent c = loaded.content();
    return new ArrowInteractionDataset(
        loaded.directory(),
        loaded.manifest(),
        c.train().userIds(),
        c.train().itemIds(),
        0,
        csr(c.numUsers(), c.numItems(), c.train()),
        c.validation(),
        c.test(),
        c.itemTrainCounts(),
        c.userIdMap(),
        c.itemIdMap(),
        c.itemFeatures(),
        c.userFeatures());
  }

  /**
   * Opens and verifies a dataset directory whose train split is streamed from its files (shards)
   * during training instead of being held in memory: each epoch reads it in {@code passes} passes,
   * each holding a random {@code 1 / passes} of it ({@link StreamedBatches}). What stays in memory:
   * the train interactions per user (4 bytes per pair, for evaluation and history towers), the
   * held-out splits, the counts, the id maps and the features.
   *
   * @param passes how many passes an epoch reads the train split in, at least 1
   * @throws io.cbns.core.CbnsException as {@link #open(Path)} does, and when the train split is a
   *     single file (nothing to stream: import with {@code shard-rows})
   */
  public static ArrowInteractionDataset openStreaming(Path directory, int passes) {
    requireNonNull(directory, "directory is null");
    if (passes < 1) {
      throw new IllegalArgumentException("passes must be >= 1, got " + passes);
    }
    DatasetManifest m = DatasetReader.readManifest(directory.toAbsolutePath().normalize());
    if (m.train().shards().isEmpty()) {
      throw new CbnsException(
          directory
              + ": the train split is one file ("
              + m.train().file()
              + "), so there is nothing to stream; re-import it in shards (`cbns import ... --set"
              + " shard-rows=1000000`, or `cbns-spark import`) or train without stream-passes");
    }
    DatasetReader.Streamed r = DatasetReader.readStreamed(directory);
    return new ArrowInteractionDataset(
        r.directory(),
        r.manifest(),
        null,
        null,
        passes,
        r.trainByUser(),
        r.validation(),
        r.test(),
        r.itemTrainCounts(),
        r.userIdMap(),
        r.itemIdMap(),
        r.itemFeatures(),
        r.userFeatures());
  }

  private static CsrMatrix csr(int numUsers, int numItems, InteractionTable t) {
    return CsrMatrix.fromPairs(numUsers, numItems, t.userIds(), t.itemIds());
  }

  /** Whether training streams the train split from its shards. */
  public boolean streaming() {
    return passes > 0;
  }

  /** The dataset directory (absolute). */
  public Path directory() {
    return directory;
  }

  /** The manifest: sizes, files, provenance and fingerprint. */
  public DatasetManifest manifest() {
    return manifest;
  }

  /** The original user id of each dense user id, when the source used ids of its own. */
  public Optional<List<String>> originalUserIds() {
    return Optional.ofNullable(userIdMap);
  }

  /** The original item id of each dense item id, when the source used ids of its own. */
  public Optional<List<String>> originalItemIds() {
    return Optional.ofNullable(itemIdMap);
  }

  @Override
  public DatasetInfo info() {
    return info;
  }

  @Override
  public CsrMatrix trainByUser() {
    return train;
  }

  @Override
  public CsrMatrix testByUser() {
    return test;
  }

  @Override
  public Optional<CsrMatrix> validationByUser() {
    return Optional.ofNullable(validation);
  }

  /** The item features ({@code item_features.arrow}), when the directory has them. */
  @Override
  public Optional<FeatureTable> itemFeatures() {
    return Optional.ofNullable(itemFeatures);
  }

  /** The user features ({@code user_features.arrow}), when the directory has them. */
  @Override
  public Optional<FeatureTable> userFeatures() {
    return Optional.ofNullable(userFeatures);
  }

  /** A fresh copy of the train count of each item. */
  @Override
  public long[] itemTrainCounts() {
    return Arrays.copyOf(itemCounts, itemCounts.length);
  }

  /** The number of batches {@link #trainBatches} yields per epoch under {@code spec}. */
  public int batchesPerEpoch(BatchSpec spec) {
    return ShuffledBatches.numBatches(Math.toIntExact(epochRows(spec)), spec);
  }

  /**
   * The train interactions, plus with {@link BatchSpec#recentRepeats()} on each user's latest ones
   * ({@link DatasetAssembler#latestRows}) as many more times as it asks.
   *
   * @throws CbnsException when repeats are asked of a streamed train split or of one without
   *     timestamps
   */
  @Override
  public long epochRows(BatchSpec spec) {
    return spec.recentRepeats().isOff()
        ? manifest.train().rows()
        : columns(spec.recentRepeats())[0].length;
  }

  /**
   * Fails unless the rows are grouped by user and each user's sorted by item, as every split
   * written by an importer is: the latest rows are picked per run of one user.
   */
  private void checkUserSorted(InteractionTable t) {
    int[] u = t.userIds();
    int[] i = t.itemIds();
    for (int r = 1; r < u.length; r++) {
      if (u[r] < u[r - 1] || (u[r] == u[r - 1] && i[r] <= i[r - 1])) {
        throw new CbnsException(
            directory
                + ": train row "
                + r
                + " is out of (user, item) order, which recent repeats need; re-import the"
                + " dataset with cbns import");
      }
    }
  }

  /** The user and item columns of one epoch's rows, before the shuffle. */
  private int[][] columns(RecentRepeats repeats) {
    if (repeats.isOff()) {
      return new int[][] {trainUsers, trainItems};
    }
    synchronized (repeatLock) {
      if (!repeats.equals(cachedRepeats)) {
        cachedColumns = withRepeats(repeats);
        cachedRepeats = repeats;
      }
      return cachedColumns;
    }
  }

  private int[][] withRepeats(RecentRepeats repeats) {
    String key = "training.recent-fraction";
    if (passes > 0) {
      throw new CbnsException(
          info.name()
              + ": "
              + key
              + " repeats rows of a train split held in memory; this one is streamed"
              + " (data.stream-passes): leave one of them out");
    }
    // the timestamps are read again here rather than held for every run: only repeats need them
    DatasetReader.Loaded again = DatasetReader.read(directory); // verified against its manifest
    InteractionTable train = again.content().train();
    if (!train.hasTimestamps()) {
      throw new CbnsException(
          info.name()
              + ": "
              + key
              + " needs the train interactions' timestamps, and this dataset has none; give it"
              + " some when importing it (delimited: timestamp-column; a LightGCN directory whose"
              + " lines list each user's items in time order: line-order: time), or set "
              + key
              + " to 0");
    }
    if (!again.manifest().fingerprint().equals(manifest.fingerprint())) {
      throw new CbnsException(
          directory + ": the dataset changed on disk since it was opened; open it again");
    }
    checkUserSorted(train);
    boolean[] latest = DatasetAssembler.latestRows(train, repeats.fraction());
    int n = trainUsers.length;
    int recent = 0;
    for (boolean b : latest) {
      recent += b ? 1 : 0;
    }
    long total = n + (long) recent * repeats.copies();
    if (total > Integer.MAX_VALUE - 8) {
      throw new CbnsException(
          info.name() + ": " + total + " rows per epoch with " + key + "; lower it");
    }
    int[] users = Arrays.copyOf(trainUsers, (int) total);
    int[] items = Arrays.copyOf(trainItems, (int) total);
    int at = n;
    for (int c = 0; c < repeats.copies(); c++) {
      for (int r = 0; r < n; r++) {
        if (latest[r]) {
          users[at] = trainUsers[r];
          items[at++] = trainItems[r];
        }
      }
    }
    return new int[][] {users, items};
  }

  @Override
  public BatchIterator trainBatches(BatchSpec spec, int epoch) {
    requireNonNull(spec, "spec is null");
    Iterator<InteractionBatch> batches;
    if (passes > 0) {
      if (!spec.recentRepeats().isOff()) {
        columns(spec.recentRepeats()); // throws: a streamed split has no repeats
      }
      List<FileEntry> shards = manifest.train().files();
      long[] rows = shards.stream().mapToLong(FileEntry::rows).toArray();
      batches =
          new StreamedBatches(
              k -> DatasetReader.readShard(directory, manifest, shards.get(k)),
              rows,
              passes,
              spec,
              epoch);
    } else {
      int[][] rows = columns(spec.recentRepeats());
      batches = new ShuffledBatches(rows[0], rows[1], spec, epoch);
    }
    if (spec.prefetch() == 0) {
      return new SynchronousBatchIterator(batches);
    }
    return new PrefetchingBatchIterator(
        batches, spec.prefetch(), "cbns-prefetch-" + manifest.name() + "-epoch-" + epoch);
  }

  @Override
  public String toString() {
    return "ArrowInteractionDataset[" + info + "]";
  }
}
