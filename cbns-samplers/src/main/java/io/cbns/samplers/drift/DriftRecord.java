package io.cbns.samplers.drift;

/**
 * One row of {@code drift.csv}.
 *
 * @param step optimizer steps applied when the probe set was encoded (0: before training)
 * @param dt the lag in steps: the compared snapshot was taken at {@code step - dt}
 * @param drift {@code sum over probe items of ||g(I; theta_step) - g(I; theta_{step-dt})||_2}
 * @param meanRelativeDrift {@code mean over probe items of that distance / ||g(I; theta_step)||_2}
 */
public record DriftRecord(long step, long dt, double drift, double meanRelativeDrift) {
  public DriftRecord {
    if (step < 0 || dt < 1) {
      throw new IllegalArgumentException("step must be >= 0 and dt >= 1, got " + step + ", " + dt);
    }
  }
}
