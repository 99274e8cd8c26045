package io.cbns.core.loss;

import io.cbns.core.checkpoint.Checkpointable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Adaptive per-user temperatures (Adap-tau, Chen et al., WWW 2023): each user's logits in the
 * softmax's log-partition are multiplied by a factor {@code r_u} derived from how hard that user
 * was in the previous epoch, so that hard users (a positive far from the top of the batch) get a
 * softer softmax and easy users a sharper one.
 *
 * <p>During an epoch, {@link #observe} accumulates each row's hardness, the negative log-odds of
 * its positive at temperature 1 ({@link SampledSoftmaxLoss#positiveLogOdds}). At the end of the
 * epoch ({@link #endEpoch}), with {@code x_u} each user's mean hardness and {@code xbar} their mean
 * over the users seen,
 *
 * <pre>
 *   z_u = max((x_u - xbar) / spread, -1/e)
 *   r_u = exp(-W(z_u))          (W: the principal branch of Lambert's W, so r_u = W(z_u) / z_u)
 * </pre>
 *
 * which is 1 for an average user, below 1 (a higher temperature) for a harder one and at most
 * {@code e} for an easier one; {@code spread} sets how far apart the factors go. Every factor is 1
 * during the first epoch and stays at its last value for a user without rows in an epoch.
 *
 * <p>The factors change the training only: a user's scores over all items are scaled by the same
 * positive factor, which leaves that user's ranking, and so the served model, unchanged in kind.
 * The state (factors and the epoch's sums) goes into checkpoints, so a resumed run continues
 * exactly. Not thread-safe (the training thread only).
 */
public final class UserTemperatures implements Checkpointable {
  private final double spread;
  private final float[] factors;
  private final double[] sums;
  private final int[] counts;

  /**
   * @param numUsers users in the dataset
   * @param spread the scale of hardness differences, positive and finite
   */
  public UserTemperatures(int numUsers, double spread) {
    if (numUsers < 0) {
      throw new IllegalArgumentException("numUsers must be >= 0: " + numUsers);
    }
    if (!(spread > 0) || Double.isInfinite(spread)) {
      throw new IllegalArgumentException("spread must be positive and finite: " + spread);
    }
    this.spread = spread;
    this.factors = new float[numUsers];
    java.util.Arrays.fill(factors, 1f);
    this.sums = new double[numUsers];
    this.counts = new int[numUsers];
  }

  /** The factor of each row's user, for the loss. */
  public float[] factors(long[] userIds) {
    float[] out = new float[userIds.length];
    for (int r = 0; r < userIds.length; r++) {
      out[r] = factors[user(userIds[r])];
    }
    return out;
  }

  /** The current factor of one user. */
  public float factor(int user) {
    return factors[user(user)];
  }

  /** Adds each row's hardness to its user's sum for this epoch; non-finite values are skipped. */
  public void observe(long[] userIds, float[] hardness) {
    if (userIds.length != hardness.length) {
      throw new IllegalArgumentException(
          userIds.length + " users for " + hardness.length + " hardness values");
    }
    for (int r = 0; r < userIds.length; r++) {
      if (Float.isFinite(hardness[r])) {
        int u = user(userIds[r]);
        sums[u] += hardness[r];
        counts[u]++;
      }
    }
  }

  /** Sets the factors from this epoch's hardness and starts the next epoch's sums. */
  public void endEpoch() {
    double total = 0;
    int seen = 0;
    for (int u = 0; u < factors.length; u++) {
      if (counts[u] > 0) {
        total += sums[u] / counts[u];
        seen++;
      }
    }
    if (seen > 0) {
      double mean = total / seen;
      for (int u = 0; u < factors.length; u++) {
        if (counts[u] > 0) {
          // clamped above too, so that a tiny spread cannot make z infinite
          double z = Math.min(Math.max((sums[u] / counts[u] - mean) / spread, -1 / Math.E), 1e12);
          factors[u] = (float) Math.exp(-lambertW(z));
        }
      }
    }
    java.util.Arrays.fill(sums, 0);
    java.util.Arrays.fill(counts, 0);
  }

  /**
   * The principal branch of Lambert's W, {@code w} with {@code w e^w = z}, for {@code z >= -1/e}:
   * Halley's iteration from a start near the branch point or {@code log(1 + z)}, to double
   * precision.
   */
  static double lambertW(double z) {
    if (!(z >= -1 / Math.E) || Double.isInfinite(z)) {
      throw new IllegalArgumentException("lambertW needs a finite z >= -1/e: " + z);
    }
    if (z == 0) {
      return 0;
    }
    double w;
    if (z < -0.25) {
      // the branch point's series: W = -1 + p - p^2 / 3 with p = sqrt(2 (e z + 1))
      double p = Math.sqrt(Math.max(2 * (Math.E * z + 1), 0));
      w = -1 + p - p * p / 3;
    } else {
      w = Math.log1p(z);
    }
    for (int i = 0; i < 64; i++) {
      double ew = Math.exp(w);
      double f = w * ew - z;
      if (w + 1 == 0 || f == 0) {
        break;
      }
      double step = f / (ew * (w + 1) - (w + 2) * f / (2 * w + 2));
      w -= step;
      if (Math.abs(step) <= 1e-15 * (1 + Math.abs(w))) {
        break;
      }
    }
    return w;
  }

  private int user(long id) {
    if (id < 0 || id >= factors.length) {
      throw new IllegalArgumentException("user id " + id + " outside [0, " + factors.length + ")");
    }
    return (int) id;
  }

  @Override
  public void saveState(DataOutputStream out) throws IOException {
    out.writeInt(factors.length);
    for (int u = 0; u < factors.length; u++) {
      out.writeFloat(factors[u]);
      out.writeDouble(sums[u]);
      out.writeInt(counts[u]);
    }
  }

  @Override
  public void loadState(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n != factors.length) {
      throw new IOException(
          "checkpoint has user temperatures for " + n + " users, the dataset " + factors.length);
    }
    for (int u = 0; u < n; u++) {
      factors[u] = in.readFloat();
      sums[u] = in.readDouble();
      counts[u] = in.readInt();
    }
  }
}
