package io.cbns.data.arrow.loader;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.InteractionBatch;
import io.cbns.data.arrow.format.InteractionTable;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * The batches of one epoch over a split held in shards, read a window of shards at a time: the
 * shards are visited in an order drawn from (seed, epoch); each window of {@code windowShards}
 * consecutive shards of that order is read, its rows shuffled together with the rows the previous
 * window left over (fewer than a batch), and cut into batches. So every interaction is in exactly
 * one batch per epoch, every batch but the last is full, and at most one window (plus a batch) of
 * rows is in memory; the order is a function of (seed, epoch) only, so a run can be reproduced and
 * resumed at any epoch.
 *
 * <p>A batch mixes the rows of the shards of its window only: when the shards hold disjoint groups
 * of users (the Spark importer partitions by user), a window of W shards out of S samples each
 * batch's users from about W / S of them. The last partial batch is kept or dropped as {@link
 * BatchSpec#dropLast()} says.
 *
 * <p>Not thread-safe: one consumer (the prefetch thread when there is one, which then also does the
 * reading).
 */
public final class ShardWindowBatches implements Iterator<InteractionBatch> {
  private final IntFunction<InteractionTable> readShard;
  private final long[] shardRows;
  private final int windowShards;
  private final BatchSpec spec;
  private final int epoch;
  private final int numBatches;
  private SplittableRandom random;
  private int[] shardOrder;
  private int nextShard;
  private int[] users = new int[0];
  private int[] items = new int[0];
  private int position;
  private int nextBatch;

  /**
   * @param readShard reads shard {@code k} (its users and items are used)
   * @param shardRows each shard's row count, in the split's order
   * @param windowShards how many shards are read and shuffled together, at least 1
   * @param spec batch size, last-batch policy and seed
   * @param epoch the 0-based epoch
   */
  public ShardWindowBatches(
      IntFunction<InteractionTable> readShard,
      long[] shardRows,
      int windowShards,
      BatchSpec spec,
      int epoch) {
    this.readShard = requireNonNull(readShard, "readShard is null");
    this.shardRows = shardRows.clone();
    this.spec = requireNonNull(spec, "spec is null");
    if (windowShards < 1) {
      throw new IllegalArgumentException("windowShards must be >= 1, got " + windowShards);
    }
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
    this.windowShards = windowShards;
    this.epoch = epoch;
    long rows = 0;
    for (long r : shardRows) {
      rows += r;
    }
    this.numBatches = ShuffledBatches.numBatches(Math.toIntExact(rows), spec);
  }

  /** The number of batches of this epoch. */
  public int numBatches() {
    return numBatches;
  }

  @Override
  public boolean hasNext() {
    return nextBatch < numBatches;
  }

  @Override
  public InteractionBatch next() {
    if (!hasNext()) {
      throw new NoSuchElementException("epoch " + epoch + " has " + numBatches + " batches");
    }
    if (random == null) {
      random = EpochShuffle.random(spec.seed(), epoch);
      shardOrder = shuffledShards(shardRows.length, random);
    }
    int batch = spec.batchSize();
    // a full batch needs batchSize rows; the last one takes whatever is left
    while (users.length - position < batch && nextShard < shardOrder.length) {
      readWindow();
    }
    int size = Math.min(batch, users.length - position);
    if (size <= 0) {
      throw new IllegalStateException(
          "the shards hold fewer rows than the manifest says (epoch " + epoch + ")");
    }
    long[] u = new long[size];
    long[] v = new long[size];
    for (int k = 0; k < size; k++) {
      u[k] = users[position + k];
      v[k] = items[position + k];
    }
    position += size;
    nextBatch++;
    return new InteractionBatch(u, v);
  }

  /** Reads the next window of shards after the rows left over, and shuffles them together. */
  private void readWindow() {
    int end = Math.min(shardOrder.length, nextShard + windowShards);
    long total = users.length - position;
    for (int s = nextShard; s < end; s++) {
      total += shardRows[shardOrder[s]];
    }
    int n = Math.toIntExact(total);
    int[] u = new int[n];
    int[] v = new int[n];
    int at = users.length - position;
    System.arraycopy(users, position, u, 0, at);
    System.arraycopy(items, position, v, 0, at);
    // drop the previous window before reading the next one
    users = new int[0];
    items = new int[0];
    position = 0;
    for (int s = nextShard; s < end; s++) {
      int shard = shardOrder[s];
      InteractionTable t = readShard.apply(shard);
      if (t.size() != shardRows[shard]) {
        throw new IllegalStateException(
            "shard " + shard + " has " + t.size() + " rows, expected " + shardRows[shard]);
      }
      System.arraycopy(t.userIds(), 0, u, at, t.size());
      System.arraycopy(t.itemIds(), 0, v, at, t.size());
      at += t.size();
    }
    nextShard = end;
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tu = u[i];
      u[i] = u[j];
      u[j] = tu;
      int tv = v[i];
      v[i] = v[j];
      v[j] = tv;
    }
    users = u;
    items = v;
  }

  private static int[] shuffledShards(int n, SplittableRandom random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
