package io.cbns.data.arrow.format;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.FeatureTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Everything a dataset directory holds, in memory: sizes, the splits and the optional id maps
 * (dense id {@code k} was {@code userIdMap[k]} in the source). Validated on construction: ids in
 * range, all splits with the same optional columns, id maps of the right length.
 *
 * <p>Immutable by contract (see {@link InteractionTable}); thread-safe for reading.
 *
 * @param name a short name for logs and provenance (not part of the fingerprint)
 * @param numUsers users, ids {@code [0, numUsers)}
 * @param numItems items, ids {@code [0, numItems)}
 * @param train the train split
 * @param validation the validation split, or {@code null} when there is none
 * @param test the test split
 * @param userIdMap original user id per dense id, or {@code null} when ids were used as given
 * @param itemIdMap original item id per dense id, or {@code null} when ids were used as given
 * @param itemFeatures item features ({@code numItems} rows), or {@code null}
 * @param userFeatures user features ({@code numUsers} rows), or {@code null}
 */
public record DatasetContent(
    String name,
    int numUsers,
    int numItems,
    InteractionTable train,
    InteractionTable validation,
    InteractionTable test,
    String[] userIdMap,
    String[] itemIdMap,
    FeatureTable itemFeatures,
    FeatureTable userFeatures) {
  public DatasetContent {
    requireNonNull(name, "name is null");
    requireNonNull(train, "train is null");
    requireNonNull(test, "test is null");
    if (numUsers < 1 || numItems < 1) {
      throw new IllegalArgumentException(
          "numUsers and numItems must be >= 1, got " + numUsers + " and " + numItems);
    }
    checkRange("train", train, numUsers, numItems);
    checkRange("test", test, numUsers, numItems);
    if (validation != null) {
      checkRange("validation", validation, numUsers, numItems);
    }
    for (InteractionTable t : new InteractionTable[] {test, validation}) {
      if (t != null
          && (t.hasTimestamps() != train.hasTimestamps() || t.hasWeights() != train.hasWeights())) {
        throw new IllegalArgumentException("all splits must have the same optional columns");
      }
    }
    if (userIdMap != null && userIdMap.length != numUsers) {
      throw new IllegalArgumentException(
          "userIdMap has " + userIdMap.length + " entries, expected " + numUsers);
    }
    if (itemIdMap != null && itemIdMap.length != numItems) {
      throw new IllegalArgumentException(
          "itemIdMap has " + itemIdMap.length + " entries, expected " + numItems);
    }
    if (itemFeatures != null && itemFeatures.numRows() != numItems) {
      throw new IllegalArgumentException(
          "itemFeatures has " + itemFeatures.numRows() + " rows, expected " + numItems);
    }
    if (userFeatures != null && userFeatures.numRows() != numUsers) {
      throw new IllegalArgumentException(
          "userFeatures has " + userFeatures.numRows() + " rows, expected " + numUsers);
    }
  }

  /** Content without feature tables. */
  public DatasetContent(
      String name,
      int numUsers,
      int numItems,
      InteractionTable train,
      InteractionTable validation,
      InteractionTable test,
      String[] userIdMap,
      String[] itemIdMap) {
    this(name, numUsers, numItems, train, validation, test, userIdMap, itemIdMap, null, null);
  }

  /** This content with the given feature tables (either may be {@code null}). */
  public DatasetContent withFeatures(FeatureTable items, FeatureTable users) {
    return new DatasetContent(
        name, numUsers, numItems, train, validation, test, userIdMap, itemIdMap, items, users);
  }

  /** Whether the splits carry a {@code timestamp} column. */
  public boolean hasTimestamps() {
    return train.hasTimestamps();
  }

  /** Whether the splits carry a {@code weight} column. */
  public boolean hasWeights() {
    return train.hasWeights();
  }

  /** How often each item occurs in the train split ({@code numItems} entries, a fresh array). */
  public long[] itemTrainCounts() {
    long[] counts = new long[numItems];
    for (int item : train.itemIds()) {
      counts[item]++;
    }
    return counts;
  }

  /**
   * The content fingerprint: SHA-256 (hex) over the sizes, every split's columns (in the order
   * train, validation, test; little-endian) and the id maps. The name is not part of it, so a
   * renamed copy keeps its fingerprint; any change to an id, a timestamp, a weight or a mapping
   * changes it.
   */
  public String fingerprint() {
    InteractionTable[] splits = {train, validation, test};
    SplitShards[] shards = new SplitShards[3];
    for (int k = 0; k < 3; k++) {
      InteractionTable t = splits[k];
      shards[k] = t == null ? null : new SplitShards(t.size(), visitor -> visitor.accept(t));
    }
    return fingerprint(
        numUsers,
        numItems,
        shards,
        train.hasTimestamps(),
        train.hasWeights(),
        userIdMap,
        itemIdMap,
        itemFeatures,
        userFeatures);
  }

  /**
   * A split held in shards, for {@link #fingerprint(int, int, SplitShards[], boolean, boolean,
   * String[], String[], FeatureTable, FeatureTable)}.
   *
   * @param rows the split's rows (the shards' sum)
   * @param shards visits the shards in order; called once per column, so a split on disk is read a
   *     shard at a time and never held whole
   */
  public record SplitShards(long rows, Shards shards) {
    public SplitShards {
      requireNonNull(shards, "shards is null");
    }
  }

  /** Visits a split's shards in order. */
  @FunctionalInterface
  public interface Shards {
    void forEach(java.util.function.Consumer<InteractionTable> visitor);
  }

  /**
   * The fingerprint of a dataset whose splits are streamed shard by shard: the same value as {@link
   * #fingerprint()} of the same content held in memory.
   *
   * @param splits train, validation (or null), test
   * @param timestamps whether the splits have timestamps
   * @param weights whether the splits have weights
   * @param itemFeatures the item features, or null
   * @param userFeatures the user features, or null
   */
  public static String fingerprint(
      int numUsers,
      int numItems,
      SplitShards[] splits,
      boolean timestamps,
      boolean weights,
      String[] userIdMap,
      String[] itemIdMap,
      FeatureTable itemFeatures,
      FeatureTable userFeatures) {
    if (splits.length != 3 || splits[0] == null || splits[2] == null) {
      throw new IllegalArgumentException("give train, validation (or null) and test");
    }
    DigestSink sink = new DigestSink(Sha256.newDigest());
    digestInteractions(sink, numUsers, numItems, splits, timestamps, weights, userIdMap, itemIdMap);
    digestFeatures(sink, itemFeatures, userFeatures);
    return Sha256.hex(sink.finish());
  }

  /** The feature tables' part of the digest. */
  private static void digestFeatures(
      DigestSink sink, FeatureTable itemFeatures, FeatureTable userFeatures) {
    // feature tables only enter the digest when present, so datasets without them keep the
    // fingerprints they had before features existed
    if (itemFeatures != null || userFeatures != null) {
      sink.bytes("features/".getBytes(StandardCharsets.US_ASCII));
      for (FeatureTable t : new FeatureTable[] {itemFeatures, userFeatures}) {
        if (t == null) {
          sink.putInt(-1);
          continue;
        }
        sink.putInt(t.numRows());
        for (FeatureTable.CategoricalFeature f : t.categorical()) {
          sink.bytes(f.name().getBytes(StandardCharsets.UTF_8));
          sink.putInt(f.vocabularySize());
          sink.ints(f.offsets());
          sink.ints(f.ids());
        }
        for (FeatureTable.DenseFeature f : t.dense()) {
          sink.bytes(f.name().getBytes(StandardCharsets.UTF_8));
          sink.putInt(f.width());
          for (float x : f.values()) {
            sink.putInt(Float.floatToIntBits(x));
          }
        }
      }
    }
  }

  /** The digest of everything but the feature tables. */
  private static void digestInteractions(
      DigestSink sink,
      int numUsers,
      int numItems,
      SplitShards[] splits,
      boolean timestamps,
      boolean weights,
      String[] userIdMap,
      String[] itemIdMap) {
    sink.bytes("cbns-dataset/".getBytes(StandardCharsets.US_ASCII));
    sink.putInt(DatasetLayout.SCHEMA_VERSION);
    sink.putInt(numUsers);
    sink.putInt(numItems);
    for (SplitShards t : splits) {
      if (t == null) {
        sink.putInt(-1);
        continue;
      }
      sink.putInt(Math.toIntExact(t.rows()));
      t.shards().forEach(shard -> sink.ints(shard.userIds()));
      t.shards().forEach(shard -> sink.ints(shard.itemIds()));
      if (timestamps) {
        sink.putInt(1);
        t.shards()
            .forEach(
                shard -> {
                  for (long x : shard.timestamps()) {
                    sink.putLong(x);
                  }
                });
      }
      if (weights) {
        sink.putInt(2);
        t.shards()
            .forEach(
                shard -> {
                  for (float x : shard.weights()) {
                    sink.putInt(Float.floatToIntBits(x));
                  }
                });
      }
    }
    for (String[] map : new String[][] {userIdMap, itemIdMap}) {
      if (map == null) {
        sink.putInt(-1);
        continue;
      }
      sink.putInt(map.length);
      for (String s : map) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sink.putInt(b.length);
        sink.bytes(b);
      }
    }
  }

  private static void checkRange(String split, InteractionTable t, int numUsers, int numItems) {
    int[] u = t.userIds();
    int[] i = t.itemIds();
    for (int r = 0; r < u.length; r++) {
      if (u[r] < 0 || u[r] >= numUsers || i[r] < 0 || i[r] >= numItems) {
        throw new IllegalArgumentException(
            split
                + " row "
                + r
                + ": pair ("
                + u[r]
                + ", "
                + i[r]
                + ") outside "
                + numUsers
                + " users x "
                + numItems
                + " items");
      }
    }
  }

  /** Feeds primitives to a digest through one reusable little-endian buffer. */
  private static final class DigestSink {
    private final MessageDigest md;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    DigestSink(MessageDigest md) {
      this.md = md;
    }

    void putInt(int x) {
      ensure(4);
      buf.putInt(x);
    }

    void putLong(long x) {
      ensure(8);
      buf.putLong(x);
    }

    void ints(int[] xs) {
      for (int x : xs) {
        putInt(x);
      }
    }

    void bytes(byte[] b) {
      flush();
      md.update(b);
    }

    byte[] finish() {
      flush();
      return md.digest();
    }

    private void ensure(int n) {
      if (buf.remaining() < n) {
        flush();
      }
    }

    private void flush() {
      buf.flip();
      md.update(buf);
      buf.clear();
    }
  }
}
