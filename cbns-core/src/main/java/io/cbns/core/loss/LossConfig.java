package io.cbns.core.loss;

/**
 * Settings of the sampled-softmax loss.
 *
 * @param temperature logits are divided by it; must be positive
 * @param logQCorrection whether {@code log q} of each column is subtracted from its logit
 * @param maskAccidentalHits whether a column holding the row's positive item, other than the
 *     positive's own column, is removed from that row's softmax
 */
public record LossConfig(double temperature, boolean logQCorrection, boolean maskAccidentalHits) {
  public LossConfig {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be positive and finite: " + temperature);
    }
  }

  /** Temperature 1, logQ correction and masking on. */
  public static LossConfig defaults() {
    return new LossConfig(1.0, true, true);
  }
}
