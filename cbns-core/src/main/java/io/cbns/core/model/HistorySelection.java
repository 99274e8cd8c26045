package io.cbns.core.model;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.CsrMatrix;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which train items a history-pooling user tower ({@code youtube-dnn}) pools for each user: all of
 * them up to the tower's {@code history_length}, else a subset drawn with {@link
 * OnnxContract#HISTORY_SELECTION_SEED}. Training ({@code cbns-models}) and serving ({@code
 * cbns-serving}) both select here, so that a served user pools the same items the tower was trained
 * on; the selection is a property of the data and the cap, never of a run's seed.
 */
public final class HistorySelection {
  private HistorySelection() {}

  /**
   * Caps every row of {@code trainByUser} at {@code maxLength} items. A longer row keeps the first
   * {@code maxLength} slots of a partial Fisher-Yates shuffle of its items (users in order, one
   * stream for all), sorted ascending.
   *
   * @param trainByUser train interactions, users x items
   * @param maxLength the cap, at least 1
   * @return the kept items, users x items, each row ascending
   */
  public static CsrMatrix select(CsrMatrix trainByUser, int maxLength) {
    requireNonNull(trainByUser, "trainByUser is null");
    if (maxLength < 1) {
      throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
    }
    int users = trainByUser.numRows();
    int[] offsets = new int[users + 1];
    for (int u = 0; u < users; u++) {
      offsets[u + 1] = offsets[u] + Math.min(trainByUser.rowLength(u), maxLength);
    }
    int[] kept = new int[offsets[users]];
    SplittableRandom random = stream(OnnxContract.HISTORY_SELECTION_SEED, "history");
    int[] columns = trainByUser.columns();
    int[] rowOffsets = trainByUser.rowOffsets();
    for (int u = 0; u < users; u++) {
      int start = rowOffsets[u];
      int n = rowOffsets[u + 1] - start;
      if (n <= maxLength) {
        System.arraycopy(columns, start, kept, offsets[u], n);
        continue;
      }
      // partial Fisher-Yates over a copy of the row: the first maxLength slots are the sample
      int[] row = Arrays.copyOfRange(columns, start, start + n);
      for (int i = 0; i < maxLength; i++) {
        int j = i + random.nextInt(n - i);
        int t = row[i];
        row[i] = row[j];
        row[j] = t;
      }
      Arrays.sort(row, 0, maxLength);
      System.arraycopy(row, 0, kept, offsets[u], maxLength);
    }
    return new CsrMatrix(users, trainByUser.numColumns(), offsets, kept);
  }

  /**
   * A random stream named {@code name} under {@code seed}: FNV-1a of the name's UTF-8 bytes xor the
   * seed. Towers derive each parameter's initial values this way too, so that adding one leaves the
   * others unchanged.
   */
  public static SplittableRandom stream(long seed, String name) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ b) * 0x100000001b3L;
    }
    return new SplittableRandom(seed ^ h);
  }
}
