package io.cbns.core.loss;

/**
 * Settings of the sampled-softmax loss.
 *
 * @param temperature logits are divided by it; must be positive
 * @param logQCorrection whether {@code log q} of each column is subtracted from its logit
 * @param maskAccidentalHits whether a column holding the row's positive item, other than the
 *     positive's own column, is removed from that row's softmax
 * @param logQWeight the multiplier of {@code log q} when the correction is on: 1 is the full
 *     correction, 0 none, values between a partial one; in [0, 2]
 * @param negativeWeight the weight {@code w} of the log-partition term: a row's loss is {@code
 *     -logit_pos + w * logsumexp(logits)}; 1 is the softmax cross-entropy, more than 1 pushes the
 *     negatives down harder; in (0, 10]
 * @param userSoftmaxWeight the weight of the user-side term: each batch item's softmax over the
 *     batch's users, added to the item-side loss with this weight (0: off, the default); needs the
 *     batch's users and their {@code log q} ({@link SampledSoftmaxLoss.BatchUsers}); in [0, 10]
 * @param userTemperatureSpread adaptive per-user temperatures ({@link UserTemperatures}, Adap-tau):
 *     the scale of the hardness differences that set each user's temperature factor; 0 (the
 *     default) turns them off; in [0, 100]
 * @param refinedLogQ the refined log q correction (Khrylchenko et al., 2025; {@link
 *     SampledSoftmaxLoss}): the positive keeps its raw score, the negatives alone estimate the rest
 *     of the partition function, and each row is weighted by the model's probability of missing its
 *     positive; needs the full correction ({@code logQCorrection}, {@code logQWeight} 1) and
 *     neither the user-side term nor per-user temperatures
 * @param maskKnownPositives whether every column holding an item that the row's user has in the
 *     train split is removed from that row's softmax (except the row's own positive column): the
 *     user's other train items are known positives, never negatives. Needs each user's train items
 *     ({@link SampledSoftmaxLoss#SampledSoftmaxLoss(LossConfig, io.cbns.core.data.CsrMatrix)}) and
 *     the batch's users; needs {@code maskAccidentalHits} too (a training row's positive is one of
 *     its user's train items, so its other columns are known positives: masking those and not the
 *     accidental hits would contradict itself), and the row's positive item is removed from its
 *     other columns whether or not it is among the known items
 * @param cosine whether the training step scores by cosine: it L2-normalises the towers' outputs
 *     (the batch's users and items, and every item it encodes for a sampler) before the sampler and
 *     this loss see them, while evaluation, export and serving score by the raw dot product, so the
 *     vectors' norms rank as well as their directions. Meant for towers without {@code
 *     model.normalize}; with normalised towers it changes nothing
 */
public record LossConfig(
    double temperature,
    boolean logQCorrection,
    boolean maskAccidentalHits,
    double logQWeight,
    double negativeWeight,
    double userSoftmaxWeight,
    double userTemperatureSpread,
    boolean refinedLogQ,
    boolean maskKnownPositives,
    boolean cosine) {
  public LossConfig {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be positive and finite: " + temperature);
    }
    if (!(logQWeight >= 0 && logQWeight <= 2)) {
      throw new IllegalArgumentException("logQWeight must be in [0, 2]: " + logQWeight);
    }
    if (!(negativeWeight > 0 && negativeWeight <= 10)) {
      throw new IllegalArgumentException("negativeWeight must be in (0, 10]: " + negativeWeight);
    }
    if (!(userSoftmaxWeight >= 0 && userSoftmaxWeight <= 10)) {
      throw new IllegalArgumentException(
          "userSoftmaxWeight must be in [0, 10]: " + userSoftmaxWeight);
    }
    if (!(userTemperatureSpread >= 0 && userTemperatureSpread <= 100)) {
      throw new IllegalArgumentException(
          "userTemperatureSpread must be in [0, 100]: " + userTemperatureSpread);
    }
    if (refinedLogQ && (!logQCorrection || logQWeight != 1.0)) {
      throw new IllegalArgumentException(
          "the refined log q correction needs the full correction (logQCorrection, logQWeight 1)");
    }
    if (refinedLogQ && (userSoftmaxWeight > 0 || userTemperatureSpread > 0)) {
      throw new IllegalArgumentException(
          "the refined log q correction does not combine with the user-side term or per-user"
              + " temperatures");
    }
    if (maskKnownPositives && !maskAccidentalHits) {
      throw new IllegalArgumentException(
          "masking known positives needs masking accidental hits (a row's positive is one of its"
              + " user's known items)");
    }
  }

  /** Scoring as the towers' outputs are (no cosine in the step). */
  public LossConfig(
      double temperature,
      boolean logQCorrection,
      boolean maskAccidentalHits,
      double logQWeight,
      double negativeWeight,
      double userSoftmaxWeight,
      double userTemperatureSpread,
      boolean refinedLogQ,
      boolean maskKnownPositives) {
    this(
        temperature,
        logQCorrection,
        maskAccidentalHits,
        logQWeight,
        negativeWeight,
        userSoftmaxWeight,
        userTemperatureSpread,
        refinedLogQ,
        maskKnownPositives,
        false);
  }

  /** Without masking the users' known positives. */
  public LossConfig(
      double temperature,
      boolean logQCorrection,
      boolean maskAccidentalHits,
      double logQWeight,
      double negativeWeight,
      double userSoftmaxWeight,
      double userTemperatureSpread,
      boolean refinedLogQ) {
    this(
        temperature,
        logQCorrection,
        maskAccidentalHits,
        logQWeight,
        negativeWeight,
        userSoftmaxWeight,
        userTemperatureSpread,
        refinedLogQ,
        false);
  }

  /** Without per-user temperatures. */
  public LossConfig(
      double temperature,
      boolean logQCorrection,
      boolean maskAccidentalHits,
      double logQWeight,
      double negativeWeight,
      double userSoftmaxWeight) {
    this(
        temperature,
        logQCorrection,
        maskAccidentalHits,
        logQWeight,
        negativeWeight,
        userSoftmaxWeight,
        0,
        false);
  }

  /** Without the user-side term. */
  public LossConfig(
      double temperature,
      boolean logQCorrection,
      boolean maskAccidentalHits,
      double logQWeight,
      double negativeWeight) {
    this(temperature, logQCorrection, maskAccidentalHits, logQWeight, negativeWeight, 0);
  }

  /** The plain softmax cross-entropy: the full log q correction and a negative weight of 1. */
  public LossConfig(double temperature, boolean logQCorrection, boolean maskAccidentalHits) {
    this(temperature, logQCorrection, maskAccidentalHits, 1.0, 1.0);
  }

  /** Temperature 1, logQ correction and masking on. */
  public static LossConfig defaults() {
    return new LossConfig(1.0, true, true);
  }

  /** The multiplier of each column's {@code log q}: 0 when the correction is off. */
  public double effectiveLogQWeight() {
    return logQCorrection ? logQWeight : 0;
  }
}
