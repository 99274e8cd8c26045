package io.cbns.data.arrow.loader;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.InteractionBatch;
import io.cbns.data.arrow.format.InteractionTable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * The batches of one epoch over a split held in shards, read in {@code passes} passes so that only
 * about {@code 1 / passes} of the split is in memory at a time. Each row of the split belongs to
 * one pass, drawn from a hash of (seed, epoch, the row's position in the split); a pass reads every
 * shard, one at a time, keeps its own rows, shuffles them together with the rows the previous pass
 * left over (fewer than a batch) and cuts them into batches.
 *
 * <p>So every row is in exactly one batch per epoch, every batch but the last is full, and the
 * order is a function of (seed, epoch) only (a run can be reproduced and resumed at any epoch).
 * Each pass is a uniform random sample of the whole split whatever the shards hold, so a batch
 * mixes rows of every user even when each shard holds a block of users (as the importers write
 * them): reading a few shards at a time would instead train each user only while its shard is read.
 * The price is I/O: the split is read {@code passes} times per epoch, sequentially.
 *
 * <p>Not thread-safe: one consumer (the prefetch thread when there is one, which then also does the
 * reading).
 */
public final class StreamedBatches implements Iterator<InteractionBatch> {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private final IntFunction<InteractionTable> readShard;
  private final long[] shardRows;
  private final int passes;
  private final BatchSpec spec;
  private final int epoch;
  private final long totalRows;
  private final int numBatches;
  private SplittableRandom random;
  private long passSeed;
  private int nextPass;
  private int[] users = new int[0];
  private int[] items = new int[0];
  private int size;
  private int position;
  private int nextBatch;
  private int largestPass;

  /**
   * @param readShard reads shard {@code k} (its users and items are used)
   * @param shardRows each shard's row count, in the split's order
   * @param passes how many passes an epoch reads the split in, at least 1
   * @param spec batch size, last-batch policy and seed
   * @param epoch the 0-based epoch
   */
  public StreamedBatches(
      IntFunction<InteractionTable> readShard,
      long[] shardRows,
      int passes,
      BatchSpec spec,
      int epoch) {
    this.readShard = requireNonNull(readShard, "readShard is null");
    this.shardRows = shardRows.clone();
    this.spec = requireNonNull(spec, "spec is null");
    if (passes < 1) {
      throw new IllegalArgumentException("passes must be >= 1, got " + passes);
    }
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
    this.passes = passes;
    this.epoch = epoch;
    long rows = 0;
    for (long r : shardRows) {
      rows += r;
    }
    this.totalRows = rows;
    this.numBatches = ShuffledBatches.numBatches(Math.toIntExact(rows), spec);
  }

  /** The number of batches of this epoch. */
  public int numBatches() {
    return numBatches;
  }

  /** The most rows held at once so far (a pass's rows with the leftovers of the one before). */
  public int largestPass() {
    return largestPass;
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
      passSeed = random.nextLong();
    }
    int batch = spec.batchSize();
    // a full batch needs batchSize rows; the last one takes whatever is left
    while (size - position < batch && nextPass < passes) {
      readPass();
    }
    int n = Math.min(batch, size - position);
    if (n <= 0) {
      throw new IllegalStateException(
          "the shards hold fewer rows than the manifest says (epoch " + epoch + ")");
    }
    long[] u = new long[n];
    long[] v = new long[n];
    for (int k = 0; k < n; k++) {
      u[k] = users[position + k];
      v[k] = items[position + k];
    }
    position += n;
    nextBatch++;
    return new InteractionBatch(u, v);
  }

  /** Reads every shard, keeps the rows of the next pass after the leftovers, shuffles them. */
  private void readPass() {
    int pass = nextPass++;
    int left = size - position;
    int[] leftUsers = Arrays.copyOfRange(users, position, size);
    int[] leftItems = Arrays.copyOfRange(items, position, size);
    // drop the previous pass before allocating the next one
    users = new int[0];
    items = new int[0];
    // a pass holds rows / passes on average, give or take a few standard deviations of the
    // binomial draw; the arrays grow if it holds more
    double mean = (double) totalRows / passes;
    int capacity =
        (int) Math.min(Integer.MAX_VALUE - 8, left + (long) (mean + 6 * Math.sqrt(mean)) + 16);
    int[] u = new int[capacity];
    int[] v = new int[capacity];
    System.arraycopy(leftUsers, 0, u, 0, left);
    System.arraycopy(leftItems, 0, v, 0, left);
    int at = left;
    long offset = 0;
    for (int shard = 0; shard < shardRows.length; shard++) {
      InteractionTable t = readShard.apply(shard);
      if (t.size() != shardRows[shard]) {
        throw new IllegalStateException(
            "shard " + shard + " has " + t.size() + " rows, expected " + shardRows[shard]);
      }
      int[] tu = t.userIds();
      int[] tv = t.itemIds();
      for (int r = 0; r < tu.length; r++) {
        if (passOf(offset + r) != pass) {
          continue;
        }
        if (at == u.length) {
          int grown = (int) Math.min(Integer.MAX_VALUE - 8, u.length + (u.length >> 1) + 16);
          u = Arrays.copyOf(u, grown);
          v = Arrays.copyOf(v, grown);
        }
        u[at] = tu[r];
        v[at++] = tv[r];
      }
      offset += tu.length;
    }
    for (int i = at - 1; i > 0; i--) {
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
    size = at;
    position = 0;
    largestPass = Math.max(largestPass, at);
  }

  /** The pass of the split's row {@code row}: a hash of (seed, epoch, row), uniform over passes. */
  private int passOf(long row) {
    if (passes == 1) {
      return 0;
    }
    // SplittableRandom's output mix (Stafford variant 13) of a Weyl sequence
    long z = passSeed + (row + 1) * GOLDEN_GAMMA;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    z = z ^ (z >>> 31);
    return (int) Long.remainderUnsigned(z, passes);
  }
}
