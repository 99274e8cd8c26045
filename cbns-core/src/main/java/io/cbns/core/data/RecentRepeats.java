package io.cbns.core.data;

/**
 * Extra visits of each user's latest train interactions in every epoch: besides every train
 * interaction once, the latest {@code min(round(fraction x n), n - 1)} of each user's {@code n}
 * train interactions (by timestamp, as the {@code latest-ratio} carve picks them) come {@code
 * copies} more times, shuffled in with the rest. Where a user's recent interactions say more about
 * what comes next than older ones (a test split of each user's latest interactions), this weights
 * them up in the loss; it needs a train split with timestamps.
 *
 * @param fraction the share of each user's train interactions repeated, in {@code [0, 1)}; 0 = off
 * @param copies how many extra times each of them comes per epoch, at least 1 when on
 */
public record RecentRepeats(double fraction, int copies) {
  /** No repeats: every train interaction once per epoch. */
  public static final RecentRepeats OFF = new RecentRepeats(0, 0);

  public RecentRepeats {
    if (!(fraction >= 0 && fraction < 1)) {
      throw new IllegalArgumentException("fraction must be in [0, 1), got " + fraction);
    }
    if (copies < 0 || (fraction > 0 && copies < 1)) {
      throw new IllegalArgumentException("copies must be >= 1 with a fraction > 0, got " + copies);
    }
  }

  /** Whether no interaction is repeated (a fraction of 0; the constructor ties copies to it). */
  public boolean isOff() {
    return fraction == 0;
  }
}
