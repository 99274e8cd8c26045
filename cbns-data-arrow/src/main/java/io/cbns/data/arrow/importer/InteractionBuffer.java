package io.cbns.data.arrow.importer;

import io.cbns.core.CbnsException;
import io.cbns.data.arrow.format.InteractionTable;
import java.util.Arrays;

/**
 * A growable table of interactions in primitive arrays (no per-row objects), filled by a parser or
 * generator and frozen with {@link #toTable()}. Not thread-safe.
 */
public final class InteractionBuffer {
  private static final int MAX_ROWS = Integer.MAX_VALUE - 8;

  private int[] users = new int[1024];
  private int[] items = new int[1024];
  private long[] timestamps;
  private float[] weights;
  private int size;

  /**
   * @param timestamps whether rows carry a timestamp
   * @param weights whether rows carry a weight
   */
  public InteractionBuffer(boolean timestamps, boolean weights) {
    this.timestamps = timestamps ? new long[1024] : null;
    this.weights = weights ? new float[1024] : null;
  }

  /** Appends an id-only row (timestamp 0 and weight 1 when those columns exist). */
  public void add(int user, int item) {
    add(user, item, 0L, 1f);
  }

  /** Appends a row; {@code timestamp} and {@code weight} are ignored for absent columns. */
  public void add(int user, int item, long timestamp, float weight) {
    if (size == users.length) {
      grow();
    }
    users[size] = user;
    items[size] = item;
    if (timestamps != null) {
      timestamps[size] = timestamp;
    }
    if (weights != null) {
      weights[size] = weight;
    }
    size++;
  }

  public int size() {
    return size;
  }

  /** Overwrites the ids of every row through the maps ({@code users[r] = userMap[users[r]]}). */
  void remap(int[] userMap, int[] itemMap) {
    for (int r = 0; r < size; r++) {
      users[r] = userMap[users[r]];
      items[r] = itemMap[items[r]];
    }
  }

  /** A trimmed copy of the rows. */
  public InteractionTable toTable() {
    return new InteractionTable(
        Arrays.copyOf(users, size),
        Arrays.copyOf(items, size),
        timestamps == null ? null : Arrays.copyOf(timestamps, size),
        weights == null ? null : Arrays.copyOf(weights, size));
  }

  private void grow() {
    if (size >= MAX_ROWS) {
      throw new CbnsException(
          "more than " + MAX_ROWS + " interactions in one split: not supported (split the data)");
    }
    int capacity = (int) Math.min(MAX_ROWS, Math.max(1024L, size * 2L));
    users = Arrays.copyOf(users, capacity);
    items = Arrays.copyOf(items, capacity);
    if (timestamps != null) {
      timestamps = Arrays.copyOf(timestamps, capacity);
    }
    if (weights != null) {
      weights = Arrays.copyOf(weights, capacity);
    }
  }
}
