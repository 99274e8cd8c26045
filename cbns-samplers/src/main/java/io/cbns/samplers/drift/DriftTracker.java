package io.cbns.samplers.drift;

import static java.util.Objects.requireNonNull;

import io.cbns.core.checkpoint.Checkpointable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Feature drift of a fixed probe set (docs/method.md, eq. 3) from successive snapshots of its
 * embeddings.
 *
 * <p>Each {@link #record} call hands in the probe set's current embeddings (host floats, row-major
 * {@code [n, d]}, the same items in the same order every time) and returns, for every configured
 * lag k for which a snapshot k measurements back exists, the drift against that snapshot. Only the
 * last {@code max(lags)} snapshots are kept (a ring), so memory is {@code max(lags) * n * d}
 * floats.
 *
 * <p>The tracker counts in measurements; the caller decides how many training steps lie between two
 * of them. Not thread-safe.
 */
public final class DriftTracker implements Checkpointable {
  /** Norms below this count as zero when dividing (an all-zero embedding). */
  private static final double MIN_NORM = 1e-12;

  private final int[] lags;
  private final float[][] ring;
  private long measurements;
  private int rows = -1;
  private int columns = -1;

  /**
   * @param lags lags in measurements, each at least 1; duplicates are ignored
   */
  public DriftTracker(List<Integer> lags) {
    requireNonNull(lags, "lags is null");
    if (lags.isEmpty()) {
      throw new IllegalArgumentException("lags is empty");
    }
    TreeSet<Integer> sorted = new TreeSet<>();
    for (Integer lag : lags) {
      if (lag == null || lag < 1) {
        throw new IllegalArgumentException("lags must be >= 1, got " + lags);
      }
      sorted.add(lag);
    }
    this.lags = sorted.stream().mapToInt(Integer::intValue).toArray();
    this.ring = new float[this.lags[this.lags.length - 1]][];
  }

  /** The lags, ascending, in measurements. */
  public List<Integer> lags() {
    List<Integer> out = new ArrayList<>();
    for (int lag : lags) {
      out.add(lag);
    }
    return List.copyOf(out);
  }

  /** How many measurements were recorded. */
  public long measurements() {
    return measurements;
  }

  /** How many snapshots are held (at most {@code max(lags)}). */
  public int snapshotsHeld() {
    return (int) Math.min(measurements, ring.length);
  }

  /**
   * Records a snapshot and measures its drift against the earlier ones.
   *
   * @param embeddings row-major {@code [rows, columns]}; the tracker keeps the reference, so the
   *     caller must not modify the array afterwards
   * @param rows number of probe items, the same in every call
   * @return one measurement per lag with a snapshot that far back, ascending by lag
   */
  public List<DriftMeasurement> record(float[] embeddings, int rows) {
    requireNonNull(embeddings, "embeddings is null");
    if (rows < 1 || embeddings.length % rows != 0) {
      throw new IllegalArgumentException(
          "embeddings of length " + embeddings.length + " do not hold " + rows + " rows");
    }
    int cols = embeddings.length / rows;
    if (this.rows < 0) {
      this.rows = rows;
      this.columns = cols;
    } else if (rows != this.rows || cols != this.columns) {
      throw new IllegalArgumentException(
          "snapshot is ["
              + rows
              + ", "
              + cols
              + "], earlier ones were ["
              + this.rows
              + ", "
              + this.columns
              + "]");
    }
    List<DriftMeasurement> out = new ArrayList<>(lags.length);
    for (int lag : lags) {
      if (lag > measurements) {
        break;
      }
      float[] old = ring[(int) ((measurements - lag) % ring.length)];
      out.add(compare(embeddings, old, rows, cols, lag));
    }
    ring[(int) (measurements % ring.length)] = embeddings;
    measurements++;
    return out;
  }

  /** Writes the snapshots held and the measurement count. */
  @Override
  public void saveState(DataOutputStream out) throws IOException {
    out.writeLong(measurements);
    out.writeInt(rows);
    out.writeInt(columns);
    for (float[] snapshot : ring) {
      out.writeBoolean(snapshot != null);
      if (snapshot != null) {
        out.writeInt(snapshot.length);
        for (float v : snapshot) {
          out.writeFloat(v);
        }
      }
    }
  }

  @Override
  public void loadState(DataInputStream in) throws IOException {
    measurements = in.readLong();
    rows = in.readInt();
    columns = in.readInt();
    for (int i = 0; i < ring.length; i++) {
      ring[i] = null;
      if (in.readBoolean()) {
        int n = in.readInt();
        if (n != (long) rows * columns) {
          throw new IOException(
              "drift snapshot of " + n + " values, expected " + rows + " x " + columns);
        }
        float[] snapshot = new float[n];
        for (int j = 0; j < n; j++) {
          snapshot[j] = in.readFloat();
        }
        ring[i] = snapshot;
      }
    }
  }

  private static DriftMeasurement compare(
      float[] now, float[] before, int rows, int cols, int lag) {
    double sum = 0;
    double relative = 0;
    for (int r = 0; r < rows; r++) {
      double diff = 0;
      double norm = 0;
      int base = r * cols;
      for (int c = 0; c < cols; c++) {
        double x = now[base + c];
        double d = x - before[base + c];
        diff += d * d;
        norm += x * x;
      }
      double dist = Math.sqrt(diff);
      sum += dist;
      relative += dist == 0 ? 0 : dist / Math.max(Math.sqrt(norm), MIN_NORM);
    }
    return new DriftMeasurement(lag, sum, relative / rows);
  }
}
