package io.cbns.samplers.sampler;

import java.util.SplittableRandom;

/** Draws of item ids uniformly from {@code [0, numItems)}, with replacement. */
final class UniformDraws {
  private UniformDraws() {}

  static long[] draw(SplittableRandom random, int numItems, int count) {
    long[] ids = new long[count];
    for (int i = 0; i < count; i++) {
      ids[i] = random.nextInt(numItems);
    }
    return ids;
  }
}
