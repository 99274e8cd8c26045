package io.cbns.models.tower;

import static java.util.Objects.requireNonNull;

/**
 * Padded item histories of a batch of users, row-major {@code [rows, length]}: the inputs {@code
 * history} and {@code history_mask} of an exported {@code youtube-dnn} user tower.
 *
 * @param rows number of users n
 * @param length padded history length L (at least 1)
 * @param items item ids, {@code n * L} entries; padding positions hold 0
 * @param mask 1 where {@code items} holds a history item that is pooled, 0 for padding and for a
 *     left-out target
 */
public record HistoryBatch(int rows, int length, long[] items, float[] mask) {
  public HistoryBatch {
    requireNonNull(items, "items is null");
    requireNonNull(mask, "mask is null");
    if (rows < 0 || length < 1) {
      throw new IllegalArgumentException("rows must be >= 0 and length >= 1");
    }
    if (items.length != (long) rows * length || mask.length != items.length) {
      throw new IllegalArgumentException("items and mask must hold rows * length entries");
    }
  }

  /**
   * The pooling weights {@code mask / max(sum(mask per row), 1)}, computed in float32 exactly as
   * the exported graph computes them, so that the mean is the same in both.
   */
  public float[] meanWeights() {
    float[] w = new float[mask.length];
    for (int r = 0; r < rows; r++) {
      int base = r * length;
      float count = 0;
      for (int l = 0; l < length; l++) {
        count += mask[base + l];
      }
      float denominator = Math.max(count, 1f);
      for (int l = 0; l < length; l++) {
        w[base + l] = mask[base + l] / denominator;
      }
    }
    return w;
  }
}
