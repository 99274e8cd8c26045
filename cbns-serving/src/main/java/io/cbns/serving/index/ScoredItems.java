package io.cbns.serving.index;

import static java.util.Objects.requireNonNull;

/**
 * The result of one query, best first.
 *
 * @param items dense item ids
 * @param scores their scores (dot products with the query), descending; equal scores in ascending
 *     item order
 */
public record ScoredItems(int[] items, float[] scores) {
  public ScoredItems {
    requireNonNull(items, "items is null");
    requireNonNull(scores, "scores is null");
    if (items.length != scores.length) {
      throw new IllegalArgumentException("items and scores differ in length");
    }
  }

  /** The number of items. */
  public int size() {
    return items.length;
  }
}
