package io.cbns.core.optim;

import static java.util.Objects.requireNonNull;

import ai.djl.training.tracker.Tracker;
import io.cbns.core.checkpoint.Checkpointable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reduce-on-plateau: the rate of a base schedule (constant after an optional warm-up) times a scale
 * that is multiplied by {@code factor} each time {@code patience} validation evaluations in a row
 * fail to beat the best Recall@K so far, down to a floor of {@code minRate}.
 *
 * <p>It must be told every validation score ({@link #observe}) and nothing else, so that it never
 * looks at test; the runner forwards the trainer's validation evaluations to it and refuses this
 * schedule for a dataset without a validation split. A {@link Tracker} for the optimizer and a
 * {@link Checkpointable} (the trainer evaluates, then writes its checkpoint, so the scale and
 * counters saved here match the parameters saved with them).
 */
public final class PlateauSchedule implements Tracker, Checkpointable {
  private static final Logger LOG = LoggerFactory.getLogger(PlateauSchedule.class);

  private final LearningRateSchedule base;
  private final int patience;
  private final double factor;
  private final double minRate;
  private final int k;
  private double scale = 1;
  private double best = Double.NEGATIVE_INFINITY;
  private int sinceBest;

  /**
   * @param base the schedule whose rate is scaled (usually constant, with a warm-up)
   * @param patience validation evaluations without a new best before the rate is cut, >= 1
   * @param factor the cut, in (0, 1)
   * @param minRate the rate is never cut below this, >= 0
   * @param k the cut-off of the Recall@K that decides (the trainer's selection metric)
   */
  public PlateauSchedule(
      LearningRateSchedule base, int patience, double factor, double minRate, int k) {
    this.base = requireNonNull(base, "base is null");
    if (patience < 1 || !(factor > 0 && factor < 1) || !(minRate >= 0) || k < 1) {
      throw new IllegalArgumentException(
          "need patience >= 1, factor in (0, 1), minRate >= 0 and k >= 1");
    }
    this.patience = patience;
    this.factor = factor;
    this.minRate = minRate;
    this.k = k;
  }

  /** The rate of the 0-based global step {@code step} at the current scale. */
  public double rate(long step) {
    double rate = base.rate(step);
    return scale < 1 ? Math.max(minRate, rate * scale) : rate;
  }

  /** The current multiplier of the base rate (1 until the first cut). */
  public double scale() {
    return scale;
  }

  @Override
  public float getNewValue(int numUpdate) {
    return (float) rate(Math.max(0, numUpdate - 1L));
  }

  /** The cut-off K of the Recall@K that the caller must pass to {@link #observe}. */
  public int k() {
    return k;
  }

  /** Records one validation evaluation's Recall@{@link #k()}; may cut the rate. */
  public void observe(double score) {
    if (score > best) {
      best = score;
      sinceBest = 0;
    } else if (++sinceBest >= patience) {
      sinceBest = 0;
      // relative tolerance: 1e-2 x 0.1 x 0.1 is not exactly 1e-4, and a rate already at the
      // floor must not be reported as cut again
      if (base.baseRate() * scale > minRate * (1 + 1e-9)) {
        scale *= factor;
        LOG.info(
            "validation Recall@{} has not improved in {} evaluations: learning rate x{} -> {}",
            k,
            patience,
            factor,
            String.format(
                java.util.Locale.ROOT, "%.3g", Math.max(minRate, base.baseRate() * scale)));
      }
    }
  }

  @Override
  public void saveState(DataOutputStream out) throws IOException {
    out.writeDouble(scale);
    out.writeDouble(best);
    out.writeInt(sinceBest);
  }

  @Override
  public void loadState(DataInputStream in) throws IOException {
    scale = in.readDouble();
    best = in.readDouble();
    sinceBest = in.readInt();
  }
}
