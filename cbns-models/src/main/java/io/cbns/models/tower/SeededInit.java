package io.cbns.models.tower;

import io.cbns.core.model.HistorySelection;
import java.util.SplittableRandom;

/**
 * Host-side seeded initial values. Each parameter draws from its own stream, derived from the model
 * seed and the parameter's name, so that adding a parameter (an option switched on) leaves the
 * values of the others unchanged, and the engine's global random state is never involved.
 */
final class SeededInit {
  private SeededInit() {}

  /** A stream for the parameter {@code name} of a model seeded with {@code seed}. */
  static SplittableRandom stream(long seed, String name) {
    return HistorySelection.stream(seed, name);
  }

  /** {@code n} values drawn from {@code N(0, std^2)}. */
  static float[] normal(long seed, String name, int n, double std) {
    SplittableRandom random = stream(seed, name);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (random.nextGaussian() * std);
    }
    return out;
  }
}
