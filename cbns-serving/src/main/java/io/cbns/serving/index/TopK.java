package io.cbns.serving.index;

import java.util.Arrays;

/**
 * The best {@code k} of a stream of (item, score) offers: a bounded min-heap whose root is the
 * worst kept item. An item ranks above another when its score is higher, or equal and its id lower,
 * so the result does not depend on the order of the offers. NaN scores are never kept.
 *
 * <p>Not thread-safe: one per query.
 */
public final class TopK {
  private final int k;
  private final int[] items;
  private final float[] scores;
  private int size;

  /**
   * @param k how many to keep, at least 1
   */
  public TopK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    this.k = k;
    this.items = new int[k];
    this.scores = new float[k];
  }

  /** Whether an offer of {@code score} could still be kept (a quick test before computing more). */
  public boolean wouldKeep(float score) {
    return size < k || score >= scores[0];
  }

  /** Offers one item. */
  public void offer(int item, float score) {
    if (Float.isNaN(score)) {
      return;
    }
    if (size < k) {
      items[size] = item;
      scores[size] = score;
      siftUp(size++);
    } else if (worse(items[0], scores[0], item, score)) {
      items[0] = item;
      scores[0] = score;
      siftDown();
    }
  }

  /** The kept items, best first. */
  public ScoredItems result() {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (x, y) ->
            worse(items[y], scores[y], items[x], scores[x])
                ? -1
                : worse(items[x], scores[x], items[y], scores[y]) ? 1 : 0);
    int[] outItems = new int[size];
    float[] outScores = new float[size];
    for (int i = 0; i < size; i++) {
      outItems[i] = items[order[i]];
      outScores[i] = scores[order[i]];
    }
    return new ScoredItems(outItems, outScores);
  }

  /** Whether (a, sa) ranks below (b, sb): a lower score, or equal and a higher id. */
  private static boolean worse(int a, float sa, int b, float sb) {
    return sa < sb || sa == sb && a > b;
  }

  private void siftUp(int at) {
    while (at > 0) {
      int parent = (at - 1) / 2;
      if (!worse(items[at], scores[at], items[parent], scores[parent])) {
        return;
      }
      swap(at, parent);
      at = parent;
    }
  }

  private void siftDown() {
    int at = 0;
    while (true) {
      int left = 2 * at + 1;
      if (left >= size) {
        return;
      }
      int right = left + 1;
      int child =
          right < size && worse(items[right], scores[right], items[left], scores[left])
              ? right
              : left;
      if (!worse(items[child], scores[child], items[at], scores[at])) {
        return;
      }
      swap(at, child);
      at = child;
    }
  }

  private void swap(int a, int b) {
    int ti = items[a];
    items[a] = items[b];
    items[b] = ti;
    float ts = scores[a];
    scores[a] = scores[b];
    scores[b] = ts;
  }
}
