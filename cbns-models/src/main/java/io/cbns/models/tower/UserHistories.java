package io.cbns.models.tower;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.HistorySelection;
import java.util.Arrays;

/**
 * The item histories a {@code youtube-dnn} user tower pools: each user's train items, capped at
 * {@code maxLength}. A user with more items keeps a subset of {@code maxLength} of them drawn by a
 * shuffle with a fixed seed (train rows are sorted by item id, not by time, so "the most recent" is
 * not available, and "the lowest ids" would bias towards old catalogue entries). The subset depends
 * on the matrix and the cap only, not on the run's seed, so a checkpoint loaded into a model made
 * with another seed, and serving code that rebuilds a trained model's inputs (see {@link
 * io.cbns.models.onnx.OnnxMetadata#userHistories}), see the same histories.
 *
 * <p>Immutable and thread-safe.
 */
public final class UserHistories {
  private final int numItems;
  private final int maxLength;
  private final int[] offsets;
  private final int[] items;

  private UserHistories(int numItems, int maxLength, int[] offsets, int[] items) {
    this.numItems = numItems;
    this.maxLength = maxLength;
    this.offsets = offsets;
    this.items = items;
  }

  /**
   * Caps every row of {@code trainByUser} at {@code maxLength} items.
   *
   * @param trainByUser train interactions, users x items
   * @param maxLength the cap, at least 1
   */
  public static UserHistories select(CsrMatrix trainByUser, int maxLength) {
    CsrMatrix kept = HistorySelection.select(trainByUser, maxLength);
    return new UserHistories(
        trainByUser.numColumns(), maxLength, kept.rowOffsets(), kept.columns());
  }

  public int numUsers() {
    return offsets.length - 1;
  }

  public int numItems() {
    return numItems;
  }

  public int maxLength() {
    return maxLength;
  }

  /** Number of history items of {@code user}. */
  public int length(int user) {
    return offsets[user + 1] - offsets[user];
  }

  /** A copy of {@code user}'s history items, ascending. */
  public int[] items(int user) {
    return Arrays.copyOfRange(items, offsets[user], offsets[user + 1]);
  }

  /**
   * The padded histories of {@code userIds}, padded to the longest among them.
   *
   * @param userIds users, each in {@code [0, numUsers())}
   * @param excludedItemIds per row, an item left out of that row's pool (masked) when present in
   *     the history, such as the target the row is trained to predict; {@code null} to keep all
   * @throws IllegalArgumentException for a user id out of range or mismatched lengths
   */
  public HistoryBatch batch(long[] userIds, long[] excludedItemIds) {
    requireNonNull(userIds, "userIds is null");
    if (excludedItemIds != null && excludedItemIds.length != userIds.length) {
      throw new IllegalArgumentException("userIds and excludedItemIds differ in length");
    }
    int n = userIds.length;
    int length = 1;
    for (long id : userIds) {
      if (id < 0 || id >= numUsers()) {
        throw new IllegalArgumentException(
            "user id " + id + " outside [0, " + numUsers() + ") of the train histories");
      }
      length = Math.max(length, length((int) id));
    }
    long[] out = new long[Math.multiplyExact(n, length)];
    float[] mask = new float[out.length];
    for (int r = 0; r < n; r++) {
      int u = (int) userIds[r];
      long excluded = excludedItemIds == null ? -1 : excludedItemIds[r];
      int base = r * length;
      for (int k = offsets[u], l = 0; k < offsets[u + 1]; k++, l++) {
        out[base + l] = items[k];
        mask[base + l] = items[k] == excluded ? 0f : 1f;
      }
    }
    return new HistoryBatch(n, length, out, mask);
  }
}
