package io.cbns.samplers.drift;

import java.util.Arrays;
import java.util.HashMap;
import java.util.SplittableRandom;

/** Seeded choices of probe items. */
public final class ProbeSets {
  private ProbeSets() {}

  /**
   * {@code min(size, numItems)} distinct items drawn uniformly from {@code [0, numItems)} with a
   * {@link SplittableRandom} seeded with {@code seed}, ascending. All items when {@code size >=
   * numItems}. Same arguments, same set.
   *
   * @param numItems corpus size, at least 1
   * @param size wanted probe size, at least 1
   * @param seed the seed
   */
  public static long[] uniform(int numItems, int size, long seed) {
    if (numItems < 1 || size < 1) {
      throw new IllegalArgumentException("numItems and size must be >= 1");
    }
    int n = Math.min(size, numItems);
    if (n == numItems) {
      long[] all = new long[numItems];
      Arrays.setAll(all, i -> i);
      return all;
    }
    // partial Fisher-Yates over a sparse permutation: O(n) memory even for a huge catalogue
    HashMap<Integer, Integer> swapped = new HashMap<>();
    SplittableRandom random = new SplittableRandom(seed);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      int j = i + random.nextInt(numItems - i);
      int atJ = swapped.getOrDefault(j, j);
      int atI = swapped.getOrDefault(i, i);
      swapped.put(j, atI);
      out[i] = atJ;
    }
    Arrays.sort(out);
    return out;
  }
}
