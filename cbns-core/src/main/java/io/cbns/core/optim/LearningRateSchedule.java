package io.cbns.core.optim;

import ai.djl.training.tracker.Tracker;
import java.util.Locale;

/**
 * The learning rate as a function of the global step: an optional linear warm-up from 0 to {@code
 * baseRate} over {@code warmupSteps}, then constant, step decay (multiplied by {@code factor} every
 * {@code stepEvery} steps) or cosine decay to {@code minRate} at {@code totalSteps}.
 *
 * <p>A DJL {@link Tracker}: optimizers call it with the 1-based update count of a parameter, which
 * is the global step plus one when every parameter is updated each step (the trainer does), and
 * which cbns's optimizers checkpoint, so a resumed run continues the schedule where it stopped.
 *
 * @param kind the decay after warm-up
 * @param baseRate the rate after warm-up, before decay, > 0
 * @param warmupSteps steps of linear warm-up, >= 0
 * @param stepEvery steps between two step-decays ({@link Kind#STEP}), >= 1
 * @param factor the step-decay multiplier, in (0, 1]
 * @param minRate the cosine floor, in [0, baseRate]
 * @param totalSteps the planned steps of the run (cosine reaches minRate there), >= 1
 */
public record LearningRateSchedule(
    Kind kind,
    double baseRate,
    long warmupSteps,
    long stepEvery,
    double factor,
    double minRate,
    long totalSteps)
    implements Tracker {

  /** The decay after warm-up. */
  public enum Kind {
    CONSTANT,
    STEP,
    COSINE;

    /** The configuration name ({@code constant}, {@code step}, {@code cosine}). */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public LearningRateSchedule {
    if (kind == null) {
      throw new IllegalArgumentException("kind is null");
    }
    if (!(baseRate > 0) || !Double.isFinite(baseRate)) {
      throw new IllegalArgumentException("baseRate must be > 0, got " + baseRate);
    }
    if (warmupSteps < 0 || stepEvery < 1 || totalSteps < 1) {
      throw new IllegalArgumentException(
          "need warmupSteps >= 0, stepEvery >= 1 and totalSteps >= 1");
    }
    if (!(factor > 0 && factor <= 1)) {
      throw new IllegalArgumentException("factor must be in (0, 1], got " + factor);
    }
    if (!(minRate >= 0 && minRate <= baseRate)) {
      throw new IllegalArgumentException("minRate must be in [0, baseRate], got " + minRate);
    }
  }

  /** A constant rate. */
  public static LearningRateSchedule constant(double rate) {
    return new LearningRateSchedule(Kind.CONSTANT, rate, 0, 1, 1, 0, 1);
  }

  /** The rate of the 0-based global step {@code step}. */
  public double rate(long step) {
    if (step < warmupSteps) {
      return baseRate * (step + 1) / warmupSteps;
    }
    long after = step - warmupSteps;
    return switch (kind) {
      case CONSTANT -> baseRate;
      case STEP -> baseRate * Math.pow(factor, after / stepEvery);
      case COSINE -> {
        long span = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (double) after / span);
        yield minRate + (baseRate - minRate) * 0.5 * (1 + Math.cos(Math.PI * progress));
      }
    };
  }

  @Override
  public float getNewValue(int numUpdate) {
    return (float) rate(Math.max(0, numUpdate - 1L));
  }
}
