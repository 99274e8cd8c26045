package io.cbns.core.model;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.FeatureTable;
import io.cbns.core.data.FeatureTable.CategoricalFeature;
import io.cbns.core.data.FeatureTable.DenseFeature;
import java.util.ArrayList;
import java.util.List;

/**
 * The inputs of an exported {@code features} tower, built from a {@link FeatureTable} for given
 * rows (item or user ids), so that a serving process can feed the graph. Input names are prefixed
 * with the side ({@code item} or {@code user}):
 *
 * <ul>
 *   <li>per categorical feature {@code f}: {@code <side>_<f>} {@code int64 [batch,
 *       <side>_<f>_length]} (ids, padding 0) and {@code <side>_<f>_mask} {@code float [batch,
 *       <side>_<f>_length]} (1 for an id, 0 for padding);
 *   <li>when the table has dense features: {@code <side>_dense} {@code float [batch, W]}, the dense
 *       features side by side in table order.
 * </ul>
 *
 * <p>Stateless; the returned arrays are fresh.
 */
public final class FeatureInputs {
  /** Suffix of a categorical feature's mask input. */
  public static final String MASK_SUFFIX = OnnxContract.FEATURE_MASK_SUFFIX;

  private FeatureInputs() {}

  /**
   * One input tensor.
   *
   * @param name the graph input name
   * @param shape its shape
   * @param longs the values of an {@code int64} input, else {@code null}
   * @param floats the values of a {@code float} input, else {@code null}
   */
  public record Input(String name, long[] shape, long[] longs, float[] floats) {
    public Input {
      requireNonNull(name, "name is null");
      requireNonNull(shape, "shape is null");
      if ((longs == null) == (floats == null)) {
        throw new IllegalArgumentException("exactly one of longs and floats must be set");
      }
    }
  }

  /**
   * Padded id lists (the ids of a categorical feature, or a user's history), row-major {@code
   * [rows, length]}.
   *
   * @param rows number of rows
   * @param length the padded length, the longest row of the batch (at least 1)
   * @param ids the ids, 0 at padding positions
   * @param mask 1 for an id, 0 for padding
   */
  public record Padded(int rows, int length, long[] ids, float[] mask) {
    public Padded {
      requireNonNull(ids, "ids is null");
      requireNonNull(mask, "mask is null");
      if (rows < 0 || length < 1) {
        throw new IllegalArgumentException("rows must be >= 0 and length >= 1");
      }
      if (ids.length != (long) rows * length || mask.length != ids.length) {
        throw new IllegalArgumentException("ids and mask must hold rows * length entries");
      }
    }

    /** {@code mask / max(sum(mask per row), 1)}, in float32 as the exported graph computes it. */
    public float[] meanWeights() {
      float[] w = new float[mask.length];
      for (int r = 0; r < rows; r++) {
        float count = 0;
        for (int l = 0; l < length; l++) {
          count += mask[r * length + l];
        }
        float denominator = Math.max(count, 1f);
        for (int l = 0; l < length; l++) {
          w[r * length + l] = mask[r * length + l] / denominator;
        }
      }
      return w;
    }
  }

  /** The input name of a categorical feature. */
  public static String categoricalInput(String side, CategoricalFeature f) {
    return OnnxContract.categoricalInput(side, f.name());
  }

  /** The input name of the dense features. */
  public static String denseInput(String side) {
    return OnnxContract.denseInput(side);
  }

  /** Pads the ids of {@code rows} of {@code f}. */
  public static Padded pad(CategoricalFeature f, long[] rows) {
    int length = 1;
    for (long r : rows) {
      length = Math.max(length, f.rowLength(row(r, f.numRows())));
    }
    long[] ids = new long[rows.length * length];
    float[] mask = new float[ids.length];
    int[] offsets = f.offsets();
    int[] values = f.ids();
    for (int i = 0; i < rows.length; i++) {
      int r = (int) rows[i];
      for (int j = offsets[r]; j < offsets[r + 1]; j++) {
        ids[i * length + j - offsets[r]] = values[j];
        mask[i * length + j - offsets[r]] = 1f;
      }
    }
    return new Padded(rows.length, length, ids, mask);
  }

  /** The dense features of {@code rows} side by side, row-major {@code [rows, denseWidth]}. */
  public static float[] dense(FeatureTable table, long[] rows) {
    int width = table.denseWidth();
    float[] out = new float[rows.length * width];
    for (int i = 0; i < rows.length; i++) {
      int r = row(rows[i], table.numRows());
      int at = i * width;
      for (DenseFeature f : table.dense()) {
        System.arraycopy(f.values(), r * f.width(), out, at, f.width());
        at += f.width();
      }
    }
    return out;
  }

  /**
   * Every input of the {@code side} tower for {@code rows}, in the order the graph declares them.
   *
   * @throws IllegalArgumentException when a row is outside the table
   */
  public static List<Input> build(String side, FeatureTable table, long[] rows) {
    requireNonNull(side, "side is null");
    requireNonNull(table, "table is null");
    requireNonNull(rows, "rows is null");
    List<Input> out = new ArrayList<>();
    for (CategoricalFeature f : table.categorical()) {
      Padded p = pad(f, rows);
      long[] shape = {p.rows(), p.length()};
      String name = categoricalInput(side, f);
      out.add(new Input(name, shape, p.ids(), null));
      out.add(new Input(name + MASK_SUFFIX, shape, null, p.mask()));
    }
    if (!table.dense().isEmpty()) {
      out.add(
          new Input(
              denseInput(side),
              new long[] {rows.length, table.denseWidth()},
              null,
              dense(table, rows)));
    }
    return out;
  }

  private static int row(long r, int numRows) {
    if (r < 0 || r >= numRows) {
      throw new IllegalArgumentException("row " + r + " outside [0, " + numRows + ")");
    }
    return (int) r;
  }
}
