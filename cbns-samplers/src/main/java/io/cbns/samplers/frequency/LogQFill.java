package io.cbns.samplers.frequency;

import io.cbns.core.frequency.FrequencyEstimator;
import java.util.function.LongToDoubleFunction;

/** The argument check and loop every {@link FrequencyEstimator#logQ} here shares. */
final class LogQFill {
  private LogQFill() {}

  /** Writes {@code (float) logQOf(itemIds[i])} into {@code out[i]}; {@code out} may be longer. */
  static void fill(long[] itemIds, float[] out, LongToDoubleFunction logQOf) {
    if (out.length < itemIds.length) {
      throw new IllegalArgumentException(
          "out has " + out.length + " entries for " + itemIds.length + " ids");
    }
    for (int i = 0; i < itemIds.length; i++) {
      out[i] = (float) logQOf.applyAsDouble(itemIds[i]);
    }
  }
}
