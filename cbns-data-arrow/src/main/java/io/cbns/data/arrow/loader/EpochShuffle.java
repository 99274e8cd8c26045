package io.cbns.data.arrow.loader;

import java.util.SplittableRandom;

/**
 * The order in which an epoch visits the train interactions: a uniformly random permutation that is
 * a function of (seed, epoch) only, so that a run can be reproduced and resumed at any epoch.
 */
public final class EpochShuffle {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private EpochShuffle() {}

  /** The random stream of one epoch, independent of how many epochs came before. */
  public static SplittableRandom random(long seed, int epoch) {
    long base = new SplittableRandom(seed).nextLong();
    return new SplittableRandom(base + GOLDEN_GAMMA * (epoch + 1L));
  }

  /**
   * A permutation of {@code [0, n)} (Fisher-Yates).
   *
   * @param n number of rows
   * @param seed the shuffle seed
   * @param epoch the 0-based epoch
   */
  public static int[] permutation(int n, long seed, int epoch) {
    if (n < 0) {
      throw new IllegalArgumentException("n must be >= 0, got " + n);
    }
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    SplittableRandom rng = random(seed, epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return perm;
  }
}
