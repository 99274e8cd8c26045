package io.cbns.core.model;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;

/**
 * Towers that look rows up in fixed embedding tables, without parameters: embeddings computed
 * elsewhere (by ONNX Runtime, on Spark, by another framework) evaluated with the same code as a
 * trained model, e.g. {@link io.cbns.core.eval.FullRankingEvaluator}. The tables are host arrays;
 * each call copies the requested rows into the ids' manager. Immutable and thread-safe.
 */
public final class FixedEmbeddings implements TwoTowerModel {
  private final int dimension;
  private final float[] users;
  private final float[] items;

  /**
   * @param dimension d, at least 1
   * @param users row-major {@code [numUsers, d]}
   * @param items row-major {@code [numItems, d]}
   */
  public FixedEmbeddings(int dimension, float[] users, float[] items) {
    requireNonNull(users, "users is null");
    requireNonNull(items, "items is null");
    if (dimension < 1 || users.length % dimension != 0 || items.length % dimension != 0) {
      throw new IllegalArgumentException(
          "tables of "
              + users.length
              + " and "
              + items.length
              + " floats are not rows of dimension "
              + dimension);
    }
    this.dimension = dimension;
    this.users = users;
    this.items = items;
  }

  /** The rows of the user table. */
  public int numUsers() {
    return users.length / dimension;
  }

  /** The rows of the item table. */
  public int numItems() {
    return items.length / dimension;
  }

  /** A copy of the user table, row-major {@code [numUsers, d]}. */
  public float[] users() {
    return users.clone();
  }

  /** A copy of the item table, row-major {@code [numItems, d]}. */
  public float[] items() {
    return items.clone();
  }

  /** No parameters: an empty block. */
  @Override
  public Block block() {
    return new SequentialBlock();
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public NDArray encodeUsers(
      ParameterStore ps, NDArray userIds, NDArray targetItemIds, boolean training) {
    return rows(users, userIds);
  }

  @Override
  public NDArray encodeItems(ParameterStore ps, NDArray itemIds, boolean training) {
    return rows(items, itemIds);
  }

  private NDArray rows(float[] table, NDArray ids) {
    long[] index = ids.toLongArray();
    int rows = table.length / dimension;
    float[] out = new float[Math.multiplyExact(index.length, dimension)];
    for (int i = 0; i < index.length; i++) {
      if (index[i] < 0 || index[i] >= rows) {
        throw new IllegalArgumentException("id " + index[i] + " outside [0, " + rows + ")");
      }
      System.arraycopy(table, (int) index[i] * dimension, out, i * dimension, dimension);
    }
    return ids.getManager()
        .create(out, new Shape(index.length, dimension))
        .toDevice(ids.getDevice(), false);
  }

  @Override
  public void close() {}
}
