package io.cbns.data.arrow.loader;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.InteractionBatch;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The batches of one epoch, produced on the calling thread: rows of the train columns in the order
 * of {@link EpochShuffle#permutation}, {@code batchSize} at a time; the last partial batch is kept
 * or dropped as {@link BatchSpec#dropLast()} says. The permutation is computed lazily by the first
 * {@link #next()} (so on the prefetch thread when there is one).
 *
 * <p>Not thread-safe: one consumer. The column arrays are read, never written.
 */
public final class ShuffledBatches implements Iterator<InteractionBatch> {
  private final int[] users;
  private final int[] items;
  private final BatchSpec spec;
  private final int epoch;
  private final int numBatches;
  private int[] order;
  private int nextBatch;

  /**
   * @param users train user ids, one per row
   * @param items train item ids, one per row
   * @param spec batch size, last-batch policy and seed
   * @param epoch the 0-based epoch
   */
  public ShuffledBatches(int[] users, int[] items, BatchSpec spec, int epoch) {
    this.users = requireNonNull(users, "users is null");
    this.items = requireNonNull(items, "items is null");
    this.spec = requireNonNull(spec, "spec is null");
    if (users.length != items.length) {
      throw new IllegalArgumentException("users and items differ in length");
    }
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
    this.epoch = epoch;
    this.numBatches = numBatches(users.length, spec);
  }

  /** How many batches an epoch over {@code rows} interactions has under {@code spec}. */
  public static int numBatches(int rows, BatchSpec spec) {
    int full = rows / spec.batchSize();
    return full + (!spec.dropLast() && rows % spec.batchSize() != 0 ? 1 : 0);
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
    if (order == null) {
      order = EpochShuffle.permutation(users.length, spec.seed(), epoch);
    }
    int start = nextBatch * spec.batchSize();
    int size = Math.min(spec.batchSize(), users.length - start);
    long[] u = new long[size];
    long[] v = new long[size];
    for (int k = 0; k < size; k++) {
      int row = order[start + k];
      u[k] = users[row];
      v[k] = items[row];
    }
    nextBatch++;
    return new InteractionBatch(u, v);
  }
}
