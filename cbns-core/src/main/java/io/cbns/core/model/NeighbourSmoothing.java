package io.cbns.core.model;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.cbns.core.data.CsrMatrix;

/**
 * One step of neighbourhood smoothing applied to trained towers, after training:
 *
 * <pre>
 *   user'_u = user_u + userWeight * unit(mean of item_i over the items i of u)
 *   item'_i = item_i + itemWeight * unit(mean of user_u over the users u of i)
 * </pre>
 *
 * where {@code user_u} and {@code item_i} are the towers' outputs, the neighbourhoods come from the
 * training interactions and {@code unit(x) = x / max(||x||, 1e-12)}; a user or item with no
 * interactions keeps its vector. Scores stay a dot product of a user vector and an item vector, so
 * the smoothed model serves as the towers do: as fixed tables, one row per id of the dataset.
 *
 * <p>This is a one-layer graph propagation (LightGCN's, with the layer weights as free
 * coefficients) over tables that were trained without it. The item term adds a user-user signal
 * (how close a user is to the item's audience); the user term, with a negative weight, moves a user
 * away from the centre of what they have already seen (those items are never recommended). Choose
 * both weights on a validation split ({@code cbns smooth}); docs/RESULTS.md has the evidence.
 * Immutable.
 *
 * @param userWeight the weight of the user's item neighbourhood (0: none)
 * @param itemWeight the weight of the item's user neighbourhood (0: none)
 */
public record NeighbourSmoothing(double userWeight, double itemWeight) {
  /** No smoothing. */
  public static final NeighbourSmoothing NONE = new NeighbourSmoothing(0, 0);

  /** Users or items encoded at once. */
  private static final int CHUNK = 8192;

  public NeighbourSmoothing {
    if (!Double.isFinite(userWeight) || !Double.isFinite(itemWeight)) {
      throw new IllegalArgumentException(
          "smoothing weights must be finite, got " + userWeight + " and " + itemWeight);
    }
  }

  /** Whether this changes nothing (both weights 0). */
  public boolean isIdentity() {
    return userWeight == 0 && itemWeight == 0;
  }

  /**
   * The smoothed towers of {@code model}: every user and item encoded in inference mode, then
   * smoothed over {@code interactions}.
   *
   * @param interactions the training interactions, users x items; users past its last row have none
   * @param numUsers users to encode (ids {@code 0 .. numUsers - 1})
   * @param parent the manager under which temporary arrays are created (and freed on return)
   */
  public FixedEmbeddings apply(
      TwoTowerModel model, CsrMatrix interactions, int numUsers, NDManager parent) {
    requireNonNull(model, "model is null");
    requireNonNull(interactions, "interactions is null");
    int numItems = interactions.numColumns();
    int d = model.dimension();
    float[] users = new float[Math.multiplyExact(numUsers, d)];
    float[] items = new float[Math.multiplyExact(numItems, d)];
    try (NDManager m = parent.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      for (int start = 0; start < numUsers; start += CHUNK) {
        int end = Math.min(numUsers, start + CHUNK);
        try (NDManager c = m.newSubManager()) {
          NDArray ids = c.arange(start, end, 1, DataType.INT64);
          float[] rows = model.encodeUsers(ps, ids, null, false).toFloatArray();
          System.arraycopy(rows, 0, users, start * d, rows.length);
        }
      }
      for (int start = 0; start < numItems; start += CHUNK) {
        int end = Math.min(numItems, start + CHUNK);
        try (NDManager c = m.newSubManager()) {
          NDArray ids = c.arange(start, end, 1, DataType.INT64);
          float[] rows = model.encodeItems(ps, ids, false).toFloatArray();
          System.arraycopy(rows, 0, items, start * d, rows.length);
        }
      }
    }
    return apply(d, users, items, interactions);
  }

  /**
   * Smooths fixed tables (row-major {@code [numUsers, d]} and {@code [numItems, d]}); the inputs
   * are not modified.
   */
  public FixedEmbeddings apply(int d, float[] users, float[] items, CsrMatrix interactions) {
    return Neighbourhoods.of(d, users, items, interactions).smooth(this);
  }

  /**
   * Fixed tables with their neighbourhood sums over the interactions, computed once so that any
   * number of weight pairs can be applied ({@code cbns smooth} tries a grid). The arrays are not
   * copied: callers must not modify them.
   *
   * @param userSums row {@code u}: the sum of the item rows of {@code u}'s interactions
   * @param itemSums row {@code i}: the sum of the user rows of {@code i}'s interactions
   */
  public record Neighbourhoods(
      int dimension, float[] users, float[] items, float[] userSums, float[] itemSums) {
    /** The sums of {@code users} and {@code items} (row-major) over {@code interactions}. */
    public static Neighbourhoods of(int d, float[] users, float[] items, CsrMatrix interactions) {
      int numUsers = users.length / d;
      int numItems = items.length / d;
      if (interactions.numColumns() != numItems || interactions.numRows() > numUsers) {
        throw new IllegalArgumentException(
            "interactions of "
                + interactions.numRows()
                + " x "
                + interactions.numColumns()
                + " do not fit tables of "
                + numUsers
                + " users and "
                + numItems
                + " items");
      }
      float[] userSums = new float[users.length];
      float[] itemSums = new float[items.length];
      int[] offsets = interactions.rowOffsets();
      int[] columns = interactions.columns();
      for (int u = 0; u < interactions.numRows(); u++) {
        for (int p = offsets[u]; p < offsets[u + 1]; p++) {
          int i = columns[p];
          for (int c = 0; c < d; c++) {
            userSums[u * d + c] += items[i * d + c];
            itemSums[i * d + c] += users[u * d + c];
          }
        }
      }
      return new Neighbourhoods(d, users, items, userSums, itemSums);
    }

    /** The tables smoothed with {@code weights}; new arrays. */
    public FixedEmbeddings smooth(NeighbourSmoothing weights) {
      return new FixedEmbeddings(
          dimension,
          add(users, userSums, weights.userWeight(), dimension),
          add(items, itemSums, weights.itemWeight(), dimension));
    }
  }

  /** {@code base + weight * unit(sum)} row by row (the mean's direction is the sum's). */
  private static float[] add(float[] base, float[] sums, double weight, int d) {
    float[] out = base.clone();
    if (weight == 0) {
      return out;
    }
    for (int r = 0; r < base.length / d; r++) {
      double norm = 0;
      for (int c = 0; c < d; c++) {
        double v = sums[r * d + c];
        norm += v * v;
      }
      double scale = weight / Math.max(Math.sqrt(norm), 1e-12);
      for (int c = 0; c < d; c++) {
        out[r * d + c] += (float) (scale * sums[r * d + c]);
      }
    }
    return out;
  }
}
