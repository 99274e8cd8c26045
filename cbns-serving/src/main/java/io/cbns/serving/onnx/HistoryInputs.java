package io.cbns.serving.onnx;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.FeatureInputs;
import io.cbns.core.model.HistorySelection;
import java.util.Arrays;

/**
 * The {@code history} and {@code history_mask} inputs of an exported history-pooling user tower
 * ({@code youtube-dnn}), rebuilt from the train split the tower was trained on: each user's train
 * items, capped at the tower's {@code history_length}. A user with more items pools a subset drawn
 * by {@link HistorySelection}, the same subset the tower saw in training (training selects there
 * too; a test in the runner checks that both agree).
 *
 * <p>Immutable and thread-safe.
 */
public final class HistoryInputs {
  private final int maxLength;
  private final int[] offsets;
  private final int[] items;

  private HistoryInputs(int maxLength, int[] offsets, int[] items) {
    this.maxLength = maxLength;
    this.offsets = offsets;
    this.items = items;
  }

  /**
   * Caps every row of {@code trainByUser} at {@code maxLength} items.
   *
   * @param trainByUser train interactions, users x items
   * @param maxLength the tower's history cap, at least 1
   */
  public static HistoryInputs select(CsrMatrix trainByUser, int maxLength) {
    CsrMatrix kept = HistorySelection.select(trainByUser, maxLength);
    return new HistoryInputs(maxLength, kept.rowOffsets(), kept.columns());
  }

  /** The tower's history cap. */
  public int maxLength() {
    return maxLength;
  }

  /** The number of users. */
  public int numUsers() {
    return offsets.length - 1;
  }

  /** A copy of {@code user}'s history items, ascending. */
  public int[] items(int user) {
    return Arrays.copyOfRange(items, offsets[user], offsets[user + 1]);
  }

  /**
   * The padded histories of {@code users}: {@code int64 [n, L]} ids (0 at padding) and {@code float
   * [n, L]} mask (1 for an item, 0 for padding), {@code L} the longest history among them (at least
   * 1).
   *
   * @throws IllegalArgumentException for a user outside {@code [0, numUsers())}
   */
  public FeatureInputs.Padded batch(long[] users) {
    requireNonNull(users, "users is null");
    int length = 1;
    for (long id : users) {
      if (id < 0 || id >= numUsers()) {
        throw new IllegalArgumentException(
            "user id " + id + " outside [0, " + numUsers() + ") of the train histories");
      }
      length = Math.max(length, offsets[(int) id + 1] - offsets[(int) id]);
    }
    long[] ids = new long[Math.multiplyExact(users.length, length)];
    float[] mask = new float[ids.length];
    for (int r = 0; r < users.length; r++) {
      int u = (int) users[r];
      for (int k = offsets[u], l = r * length; k < offsets[u + 1]; k++, l++) {
        ids[l] = items[k];
        mask[l] = 1f;
      }
    }
    return new FeatureInputs.Padded(users.length, length, ids, mask);
  }
}
