package io.cbns.serving.index;

import static java.util.Objects.requireNonNull;

/**
 * Every item's embedding, row-major: row {@code i} is item {@code i}.
 *
 * @param numItems n
 * @param dimension d
 * @param values {@code n * d} floats; not copied, so do not change them once an index uses them
 */
public record ItemEmbeddings(int numItems, int dimension, float[] values) {
  public ItemEmbeddings {
    requireNonNull(values, "values is null");
    if (numItems < 0 || dimension < 1) {
      throw new IllegalArgumentException("numItems must be >= 0 and dimension >= 1");
    }
    if (values.length != (long) numItems * dimension) {
      throw new IllegalArgumentException(
          "values hold " + values.length + " floats, not " + numItems + " x " + dimension);
    }
  }

  /**
   * The dot product of {@code query} (d floats from {@code offset}) with item {@code item}, summed
   * in the order {@link ExactIndex} sums (four dimensions per step), so that both give the same
   * float for the same pair.
   */
  public float dot(float[] query, int offset, int item) {
    int base = item * dimension;
    float s = 0f;
    int j = 0;
    for (; j + 4 <= dimension; j += 4) {
      s +=
          query[offset + j] * values[base + j]
              + query[offset + j + 1] * values[base + j + 1]
              + query[offset + j + 2] * values[base + j + 2]
              + query[offset + j + 3] * values[base + j + 3];
    }
    for (; j < dimension; j++) {
      s += query[offset + j] * values[base + j];
    }
    return s;
  }

  /** A copy of item {@code item}'s embedding. */
  public float[] row(int item) {
    float[] out = new float[dimension];
    System.arraycopy(values, item * dimension, out, 0, dimension);
    return out;
  }
}
