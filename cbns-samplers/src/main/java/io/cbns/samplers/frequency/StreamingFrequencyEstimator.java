package io.cbns.samplers.frequency;

import io.cbns.core.checkpoint.StateIo;
import io.cbns.core.frequency.FrequencyEstimator;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Streaming estimate of q with hashed arrays (Yi et al., "Sampling-Bias-Corrected Neural Modeling
 * for Large Corpus Item Recommendations", RecSys 2019, Algorithm 2), for item ids from any range,
 * including ids outside a known catalogue.
 *
 * <p>For each of {@code hashFunctions} hash functions h_k there are two arrays of {@code buckets}
 * entries: A (the last step at which the bucket was seen) and G (the moving average of the number
 * of steps between two occurrences, the paper's B). The paper's update, {@code G = (1 - alpha) * G
 * + alpha * (t - A)}, is for a stream of single examples; a batch may hold an item c times. The c
 * occurrences then share the gap since the last step seen, each counting as one update of the
 * paper's rule with the gap {@code (t - A) / c}:
 *
 * <pre>
 *   w       = 1 - (1 - alpha)^c
 *   G[h(y)] = (1 - w) * G[h(y)] + w * (t - A[h(y)]) / c
 *   A[h(y)] = t
 * </pre>
 *
 * so {@code 1 / G} estimates the item's occurrences per step. (Averaging {@code (t - A) / c} once
 * per step instead would estimate {@code E[1/c]}, biased by up to 30% for items seen a few times
 * per batch; weighting by the occurrences keeps it a ratio of steps to occurrences.) The estimator
 * reports the same quantity as {@link CountsFrequencyEstimator}, the probability that a given batch
 * column holds the item: {@code q = 1 / (batchSize * G)} (capped at 1). With several hash functions
 * the largest G, the one least inflated by collisions, is used.
 *
 * <p>Prior: before a bucket is first seen, G is {@code numItems / batchSize} steps, so q is
 * uniform, {@code 1 / numItems}. A bucket seen for the first time at step t counts as last seen one
 * step before the first observed step, i.e. the gap is {@code t - firstStep + 1}.
 *
 * <p>Memory: {@code hashFunctions * buckets * 16} bytes on the heap. {@code observe} costs {@code
 * O(B log B)} per hash function. Not thread-safe; call {@link #observe} once per step, after {@link
 * #logQ} for the same batch (the trainer does).
 */
public final class StreamingFrequencyEstimator implements FrequencyEstimator {

  /** The most hash functions supported. */
  public static final int MAX_HASH_FUNCTIONS = 8;

  private final int batchSize;
  private final int buckets;
  private final int hashFunctions;
  private final double alpha;
  private final double priorGap;
  private final long[] lastSeen;
  private final double[] gap;
  private long firstStep = -1;
  private int[] scratch = new int[0];

  /**
   * @param numItems catalogue size, used only for the prior q = 1 / numItems; at least 1
   * @param batchSize the training batch size B, to turn per-step rates into per-column q
   * @param buckets hash buckets per hash function, at least 1
   * @param hashFunctions number of hash functions, in [1, {@value #MAX_HASH_FUNCTIONS}]
   * @param alpha learning rate of the moving average, in (0, 1]
   */
  public StreamingFrequencyEstimator(
      int numItems, int batchSize, int buckets, int hashFunctions, double alpha) {
    if (numItems < 1 || batchSize < 1 || buckets < 1) {
      throw new IllegalArgumentException(
          "numItems, batchSize and buckets must be >= 1, got "
              + numItems
              + ", "
              + batchSize
              + ", "
              + buckets);
    }
    if (hashFunctions < 1 || hashFunctions > MAX_HASH_FUNCTIONS) {
      throw new IllegalArgumentException(
          "hashFunctions must be in [1, " + MAX_HASH_FUNCTIONS + "], got " + hashFunctions);
    }
    if (!(alpha > 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
    }
    this.batchSize = batchSize;
    this.buckets = buckets;
    this.hashFunctions = hashFunctions;
    this.alpha = alpha;
    this.priorGap = (double) numItems / batchSize;
    this.lastSeen = new long[Math.multiplyExact(buckets, hashFunctions)];
    this.gap = new double[lastSeen.length];
    Arrays.fill(lastSeen, -1);
    Arrays.fill(gap, priorGap);
  }

  /** The estimated q (per batch column) of one item. */
  public double q(long itemId) {
    double g = 0;
    for (int k = 0; k < hashFunctions; k++) {
      g = Math.max(g, gap[slot(k, itemId)]);
    }
    return Math.min(1.0, 1.0 / (batchSize * g));
  }

  @Override
  public void logQ(long[] itemIds, float[] out) {
    LogQFill.fill(itemIds, out, id -> Math.log(q(id)));
  }

  @Override
  public void observe(long step, long[] itemIds) {
    if (itemIds.length == 0) {
      return;
    }
    if (firstStep < 0) {
      firstStep = step;
    }
    if (scratch.length < itemIds.length) {
      scratch = new int[itemIds.length];
    }
    for (int k = 0; k < hashFunctions; k++) {
      int n = itemIds.length;
      for (int i = 0; i < n; i++) {
        scratch[i] = slot(k, itemIds[i]);
      }
      // sorting groups the occurrences of a bucket, so that it is updated once with its count
      Arrays.sort(scratch, 0, n);
      int i = 0;
      while (i < n) {
        int s = scratch[i];
        int j = i + 1;
        while (j < n && scratch[j] == s) {
          j++;
        }
        update(s, step, j - i);
        i = j;
      }
    }
  }

  /** Writes the hashed arrays and the first step observed. */
  @Override
  public void saveState(DataOutputStream out) throws IOException {
    out.writeLong(firstStep);
    StateIo.writeLongs(out, lastSeen);
    StateIo.writeDoubles(out, gap);
  }

  @Override
  public void loadState(DataInputStream in) throws IOException {
    firstStep = in.readLong();
    long[] seen = StateIo.readLongs(in, lastSeen.length, "streaming frequency (last seen)");
    double[] gaps = StateIo.readDoubles(in, gap.length, "streaming frequency (gaps)");
    System.arraycopy(seen, 0, lastSeen, 0, seen.length);
    System.arraycopy(gaps, 0, gap, 0, gaps.length);
  }

  private void update(int slot, long step, int count) {
    long last = lastSeen[slot];
    long delta = last < 0 ? step - firstStep + 1 : step - last;
    if (delta <= 0) {
      // observed twice in one step (or steps went backwards): keep the estimate
      return;
    }
    double w = count == 1 ? alpha : 1 - Math.pow(1 - alpha, count);
    gap[slot] = (1 - w) * gap[slot] + w * ((double) delta / count);
    lastSeen[slot] = step;
  }

  private int slot(int k, long itemId) {
    // a distinct odd multiplier and offset per hash function, then the splitmix64 finaliser
    long h = itemId * (mix(k + 1) | 1L) + mix(-(k + 1));
    return k * buckets + (int) Math.floorMod(mix(h), (long) buckets);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
