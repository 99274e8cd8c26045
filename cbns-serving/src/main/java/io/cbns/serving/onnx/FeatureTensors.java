package io.cbns.serving.onnx;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.FeatureTable;
import io.cbns.core.data.FeatureTable.CategoricalFeature;
import io.cbns.core.data.FeatureTable.DenseFeature;
import io.cbns.core.model.OnnxContract;
import java.util.ArrayList;
import java.util.List;

/**
 * The feature inputs of an exported {@code features} tower for given rows (item or user ids), built
 * from the dataset's {@link FeatureTable}, named as {@link OnnxContract} says:
 *
 * <ul>
 *   <li>per categorical feature {@code f}: {@code <side>_<f>} {@code int64 [n, L]} (ids, padding 0,
 *       {@code L} the longest row of the batch, at least 1) and {@code <side>_<f>_mask} {@code
 *       float [n, L]};
 *   <li>when the table has dense features: {@code <side>_dense} {@code float [n, W]}, the dense
 *       features side by side in table order.
 * </ul>
 *
 * <p>Stateless; the returned arrays are fresh.
 */
public final class FeatureTensors {
  private FeatureTensors() {}

  /**
   * One input.
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
   * Every feature input of the {@code side} tower for {@code rows}.
   *
   * @throws IllegalArgumentException when a row is outside the table
   */
  public static List<Input> build(String side, FeatureTable table, long[] rows) {
    requireNonNull(side, "side is null");
    requireNonNull(table, "table is null");
    requireNonNull(rows, "rows is null");
    for (long r : rows) {
      if (r < 0 || r >= table.numRows()) {
        throw new IllegalArgumentException("row " + r + " outside [0, " + table.numRows() + ")");
      }
    }
    List<Input> out = new ArrayList<>();
    for (CategoricalFeature f : table.categorical()) {
      int length = 1;
      for (long r : rows) {
        length = Math.max(length, f.rowLength((int) r));
      }
      long[] ids = new long[rows.length * length];
      float[] mask = new float[ids.length];
      for (int i = 0; i < rows.length; i++) {
        int r = (int) rows[i];
        for (int j = f.offsets()[r], l = i * length; j < f.offsets()[r + 1]; j++, l++) {
          ids[l] = f.ids()[j];
          mask[l] = 1f;
        }
      }
      long[] shape = {rows.length, length};
      String name = OnnxContract.categoricalInput(side, f.name());
      out.add(new Input(name, shape, ids, null));
      out.add(new Input(name + OnnxContract.FEATURE_MASK_SUFFIX, shape, null, mask));
    }
    if (!table.dense().isEmpty()) {
      int width = table.denseWidth();
      float[] dense = new float[rows.length * width];
      for (int i = 0; i < rows.length; i++) {
        int r = (int) rows[i];
        int at = i * width;
        for (DenseFeature f : table.dense()) {
          System.arraycopy(f.values(), r * f.width(), dense, at, f.width());
          at += f.width();
        }
      }
      out.add(
          new Input(OnnxContract.denseInput(side), new long[] {rows.length, width}, null, dense));
    }
    return out;
  }
}
