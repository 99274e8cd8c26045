package io.cbns.samplers.drift;

/**
 * The drift of a probe set between the current snapshot and one taken {@code lag} measurements
 * earlier.
 *
 * @param lag how many measurements back the compared snapshot is, at least 1
 * @param drift {@code sum over probe items of ||v_t - v_{t-lag}||_2} (docs/method.md, eq. 3)
 * @param meanRelativeDrift {@code mean over probe items of ||v_t - v_{t-lag}||_2 / ||v_t||_2}
 */
public record DriftMeasurement(int lag, double drift, double meanRelativeDrift) {
  public DriftMeasurement {
    if (lag < 1) {
      throw new IllegalArgumentException("lag must be >= 1, got " + lag);
    }
  }
}
