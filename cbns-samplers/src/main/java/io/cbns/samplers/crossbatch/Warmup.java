package io.cbns.samplers.crossbatch;

import static java.util.Objects.requireNonNull;

/**
 * When the {@code cross-batch} sampler starts using its memory bank. During warm-up it is the
 * in-batch sampler; the bank is written all the same, so it is full when it switches on.
 */
public sealed interface Warmup permits Warmup.Fixed, Warmup.Drift {
  /** A fixed number of in-batch steps: the bank is used from step {@code steps} (0-based) on. */
  static Fixed fixed(long steps) {
    return new Fixed(steps);
  }

  /**
   * The bank is used from step {@code steps} (0-based) on.
   *
   * @param steps at least 0
   */
  record Fixed(long steps) implements Warmup {
    public Fixed {
      if (steps < 0) {
        throw new IllegalArgumentException("steps must be >= 0, got " + steps);
      }
    }
  }

  /**
   * The drift rule ({@code warmup-steps: drift}; what {@code auto} means for an embeddings bank):
   * ends when the item tower's feature drift (docs/method.md, eq. 3) has become small. Every {@code
   * interval} steps, after the optimizer step, the sampler encodes a fixed probe set through the
   * step's item encoder (then detaches it) and compares it with the previous measurement, {@code
   * interval} steps earlier:
   *
   * <pre>
   *   relative drift = mean over probe items of ||v_t - v_{t-interval}||_2 / ||v_t||_2
   * </pre>
   *
   * The bank switches on (for good) from the next step when it is below {@code threshold}, or at
   * step {@code maxSteps} at the latest. The first comparison is possible after {@code 2 *
   * interval} steps.
   *
   * @param threshold relative drift below which the embeddings count as stable, at least 0 (0: only
   *     {@code maxSteps} ends the warm-up)
   * @param interval steps between measurements, at least 1
   * @param probeSize items in the probe set, at least 1
   * @param probe which items are probed
   * @param maxSteps the step from which the bank is used whatever the drift, at least 0
   */
  record Drift(double threshold, int interval, int probeSize, DriftProbe probe, long maxSteps)
      implements Warmup {
    public Drift {
      requireNonNull(probe, "probe is null");
      if (!(threshold >= 0) || Double.isInfinite(threshold)) {
        throw new IllegalArgumentException("threshold must be finite and >= 0, got " + threshold);
      }
      if (interval < 1 || probeSize < 1 || maxSteps < 0) {
        throw new IllegalArgumentException(
            "interval and probeSize must be >= 1 and maxSteps >= 0, got "
                + interval
                + ", "
                + probeSize
                + ", "
                + maxSteps);
      }
    }
  }
}
