package io.cbns.core.data;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Content features of the rows of one entity (items or users; row {@code r} belongs to the dense id
 * {@code r}): categorical features, each a multi-valued list of ids per row, and dense float
 * features, each a fixed-width vector per row.
 *
 * <p>Immutable by contract: callers must not modify the arrays of the features. Thread-safe for
 * reading.
 *
 * @param numRows number of rows (the entity count)
 * @param categorical the categorical features, names unique across both lists
 * @param dense the dense features
 */
public record FeatureTable(
    int numRows, List<CategoricalFeature> categorical, List<DenseFeature> dense) {
  public FeatureTable {
    categorical = List.copyOf(requireNonNull(categorical, "categorical is null"));
    dense = List.copyOf(requireNonNull(dense, "dense is null"));
    if (numRows < 0) {
      throw new IllegalArgumentException("numRows must be >= 0: " + numRows);
    }
    if (categorical.isEmpty() && dense.isEmpty()) {
      throw new IllegalArgumentException("a feature table needs at least one feature");
    }
    Set<String> names = new HashSet<>();
    for (CategoricalFeature f : categorical) {
      if (f.numRows() != numRows) {
        throw new IllegalArgumentException(
            "categorical feature " + f.name() + " has " + f.numRows() + " rows, not " + numRows);
      }
      if (!names.add(f.name())) {
        throw new IllegalArgumentException("duplicate feature name " + f.name());
      }
    }
    for (DenseFeature f : dense) {
      if (f.numRows() != numRows) {
        throw new IllegalArgumentException(
            "dense feature " + f.name() + " has " + f.numRows() + " rows, not " + numRows);
      }
      if (!names.add(f.name())) {
        throw new IllegalArgumentException("duplicate feature name " + f.name());
      }
    }
  }

  /** The summed width of the dense features. */
  public int denseWidth() {
    int w = 0;
    for (DenseFeature f : dense) {
      w += f.width();
    }
    return w;
  }

  /**
   * A categorical feature: the ids of row {@code r} are {@code ids[offsets[r] .. offsets[r + 1])}
   * (any order, possibly empty, repeats allowed), each in {@code [0, vocabularySize)}.
   *
   * @param name the feature's name (non-empty)
   * @param vocabularySize number of distinct ids, at least 1
   * @param offsets {@code numRows + 1} non-decreasing offsets starting at 0
   * @param ids the ids of all rows
   */
  public record CategoricalFeature(String name, int vocabularySize, int[] offsets, int[] ids) {
    public CategoricalFeature {
      requireNonNull(name, "name is null");
      requireNonNull(offsets, "offsets is null");
      requireNonNull(ids, "ids is null");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("feature name is empty");
      }
      if (vocabularySize < 1) {
        throw new IllegalArgumentException(name + ": vocabularySize must be >= 1");
      }
      if (offsets.length < 1 || offsets[0] != 0 || offsets[offsets.length - 1] != ids.length) {
        throw new IllegalArgumentException(
            name + ": offsets must start at 0 and end at ids.length");
      }
      for (int r = 1; r < offsets.length; r++) {
        if (offsets[r] < offsets[r - 1]) {
          throw new IllegalArgumentException(name + ": offsets decrease at row " + (r - 1));
        }
      }
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] < 0 || ids[i] >= vocabularySize) {
          throw new IllegalArgumentException(
              name + ": id " + ids[i] + " outside [0, " + vocabularySize + ")");
        }
      }
    }

    /** Number of rows. */
    public int numRows() {
      return offsets.length - 1;
    }

    /** Number of ids of row {@code r}. */
    public int rowLength(int r) {
      return offsets[r + 1] - offsets[r];
    }

    /** The largest number of ids of any row (0 for none). */
    public int maxRowLength() {
      int m = 0;
      for (int r = 0; r < numRows(); r++) {
        m = Math.max(m, rowLength(r));
      }
      return m;
    }
  }

  /**
   * A dense feature: row {@code r} is {@code values[r * width .. (r + 1) * width)}.
   *
   * @param name the feature's name (non-empty)
   * @param width the vector width, at least 1
   * @param values {@code numRows * width} finite values, row-major
   */
  public record DenseFeature(String name, int width, float[] values) {
    public DenseFeature {
      requireNonNull(name, "name is null");
      requireNonNull(values, "values is null");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("feature name is empty");
      }
      if (width < 1 || values.length % width != 0) {
        throw new IllegalArgumentException(
            name + ": width must be >= 1 and divide the number of values");
      }
      for (float v : values) {
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException(name + ": values must be finite, found " + v);
        }
      }
    }

    /** Number of rows. */
    public int numRows() {
      return values.length / width;
    }
  }
}
