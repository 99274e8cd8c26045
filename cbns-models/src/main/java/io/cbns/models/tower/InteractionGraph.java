package io.cbns.models.tower;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.cbns.core.data.CsrMatrix;
import java.util.Arrays;

/**
 * The user-item graph of the train interactions with LightGCN's symmetric normalisation: the edge
 * (u, i) weighs {@code 1 / sqrt(deg(u) deg(i))}. Holds both directions in compressed-sparse-row
 * form on the host (user to items, item to users) and computes, for a set of query nodes of one
 * side, the weighted sums of their neighbours' rows, {@code out[q] = sum_j w(q, j) x[j]}, from the
 * rows {@code x} of the other side.
 *
 * <p>Only the queried nodes' edges are read, so a training step pays for the edges of its batch,
 * never for a dense users x items matrix. The sums use dense engine operations only (the engine's
 * sparse tensors would have to be built over Java buffers that the engine does not own): the
 * queries are grouped by degree into buckets of power-of-two width, each bucket's neighbour rows
 * are gathered as a padded {@code [n, width, d]} block (padding weighs 0) and reduced by a batched
 * product with the weights. Padding at most doubles the rows read.
 *
 * <p>Immutable apart from a scratch array per side that the distinct-neighbour search reuses: not
 * thread-safe (a model is used by one thread at a time).
 */
final class InteractionGraph {
  /** One direction of the graph: the neighbours of each node of one side. */
  private static final class Side {
    final int[] offsets;
    final int[] neighbours;
    final float[] weights;
    // position of a neighbour in the current distinct list, -1 when absent; reset after each use
    final int[] slot;

    Side(int[] offsets, int[] neighbours, float[] weights, int numNeighbourNodes) {
      this.offsets = offsets;
      this.neighbours = neighbours;
      this.weights = weights;
      this.slot = new int[numNeighbourNodes];
      Arrays.fill(slot, -1);
    }

    int degree(int node) {
      return offsets[node + 1] - offsets[node];
    }
  }

  /**
   * What one query reads: the distinct neighbours ({@code columns}, in order of first appearance,
   * or null when the indices are global ids) and the padded index and weight blocks per bucket.
   */
  static final class Neighbourhood {
    private final long[] columns;
    private final long[] index;
    private final float[] weights;
    private final int[] bucketRows;
    private final int[] bucketWidths;
    private final long[] order;

    private Neighbourhood(
        long[] columns,
        long[] index,
        float[] weights,
        int[] bucketRows,
        int[] bucketWidths,
        long[] order) {
      this.columns = columns;
      this.index = index;
      this.weights = weights;
      this.bucketRows = bucketRows;
      this.bucketWidths = bucketWidths;
      this.order = order;
    }

    /** The distinct neighbour ids whose rows {@link #sum} expects, in that order. */
    long[] columns() {
      return columns;
    }

    /**
     * The weighted neighbour sums of the queried nodes, {@code [queries, d]}, on the manager of
     * {@code rows}.
     *
     * @param rows {@code [columns().length, d]} (or the whole other side for global ids)
     */
    NDArray sum(NDArray rows) {
      NDManager m = rows.getManager();
      long d = rows.getShape().get(1);
      NDArray gathered =
          EmbeddingTable.rows(rows, m.create(index).toDevice(rows.getDevice(), false));
      NDArray w = m.create(weights).toDevice(rows.getDevice(), false);
      long[] cuts = new long[bucketRows.length - 1];
      long at = 0;
      for (int b = 0; b + 1 < bucketRows.length; b++) {
        at += (long) bucketRows[b] * bucketWidths[b];
        cuts[b] = at;
      }
      // split's backward concatenates the parts' gradients: no full-size zero block per part
      NDList parts = gathered.split(cuts, 0);
      NDList weightParts = w.split(cuts, 0);
      NDList sums = new NDList(bucketRows.length);
      for (int b = 0; b < bucketRows.length; b++) {
        int n = bucketRows[b];
        int width = bucketWidths[b];
        NDArray block = parts.get(b).reshape(n, width, d);
        NDArray bw = weightParts.get(b).reshape(n, 1, width);
        sums.add(bw.batchMatMul(block).reshape(n, d));
      }
      NDArray byBucket = sums.size() == 1 ? sums.get(0) : NDArrays.concat(sums);
      return EmbeddingTable.rows(byBucket, m.create(order).toDevice(rows.getDevice(), false));
    }
  }

  private final int numUsers;
  private final int numItems;
  private final Side users;
  private final Side items;
  private final long edges;

  /**
   * @param trainByUser the train interactions (user rows, item columns), each pair once
   */
  InteractionGraph(CsrMatrix trainByUser) {
    requireNonNull(trainByUser, "trainByUser is null");
    this.numUsers = trainByUser.numRows();
    this.numItems = trainByUser.numColumns();
    this.edges = trainByUser.nonZeros();
    int[] userOffsets = trainByUser.rowOffsets();
    int[] userItems = trainByUser.columns();
    int[] itemDegree = new int[numItems];
    for (int i : userItems) {
      itemDegree[i]++;
    }
    float[] userWeights = new float[userItems.length];
    for (int u = 0; u < numUsers; u++) {
      int degree = userOffsets[u + 1] - userOffsets[u];
      for (int e = userOffsets[u]; e < userOffsets[u + 1]; e++) {
        userWeights[e] = (float) (1.0 / Math.sqrt((double) degree * itemDegree[userItems[e]]));
      }
    }
    // the transpose: item rows, user columns (ascending, as users are visited in order)
    int[] itemOffsets = new int[numItems + 1];
    for (int i = 0; i < numItems; i++) {
      itemOffsets[i + 1] = itemOffsets[i] + itemDegree[i];
    }
    int[] fill = Arrays.copyOf(itemOffsets, numItems);
    int[] itemUsers = new int[userItems.length];
    float[] itemWeights = new float[userItems.length];
    for (int u = 0; u < numUsers; u++) {
      for (int e = userOffsets[u]; e < userOffsets[u + 1]; e++) {
        int at = fill[userItems[e]]++;
        itemUsers[at] = u;
        itemWeights[at] = userWeights[e];
      }
    }
    this.users = new Side(userOffsets, userItems, userWeights, numItems);
    this.items = new Side(itemOffsets, itemUsers, itemWeights, numUsers);
  }

  /** Number of (user, item) edges. */
  long edges() {
    return edges;
  }

  /** Number of users (of items when {@code !ofUsers}). */
  int size(boolean ofUsers) {
    return ofUsers ? numUsers : numItems;
  }

  /**
   * The neighbourhood of the queried users (whose neighbours are items) or items (whose neighbours
   * are users).
   *
   * @param global true: the padded indices are the neighbours' own ids, for rows that hold the
   *     whole other side; false: positions in the distinct neighbours, {@link
   *     Neighbourhood#columns()}
   * @throws IllegalArgumentException for an id outside the side
   */
  Neighbourhood neighbourhood(long[] ids, boolean ofUsers, boolean global) {
    Side side = ofUsers ? users : items;
    int limit = size(ofUsers);
    // bucket b holds the queries of degree in (2^(b-1), 2^b], bucket 0 degrees 0 and 1
    int[] bucketOf = new int[ids.length];
    int[] counts = new int[33];
    for (int r = 0; r < ids.length; r++) {
      long id = ids[r];
      if (id < 0 || id >= limit) {
        throw new IllegalArgumentException(
            (ofUsers ? "user" : "item") + " id " + id + " outside [0, " + limit + ")");
      }
      int degree = side.degree((int) id);
      int b = degree <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(degree - 1);
      bucketOf[r] = b;
      counts[b]++;
    }
    int buckets = 0;
    long padded = 0;
    int[] firstRow = new int[33];
    for (int b = 0, row = 0; b < 33; b++) {
      firstRow[b] = row;
      row += counts[b];
      if (counts[b] > 0) {
        buckets++;
        padded += (long) counts[b] * (1L << b);
      }
    }
    int[] bucketRows = new int[buckets];
    int[] bucketWidths = new int[buckets];
    long[] blockStart = new long[33];
    for (int b = 0, j = 0; b < 33; b++) {
      if (counts[b] > 0) {
        bucketRows[j] = counts[b];
        bucketWidths[j] = 1 << b;
        j++;
      }
    }
    for (int b = 0, at = 0; b < 33; b++) {
      blockStart[b] = at;
      at += counts[b] * (1 << b);
    }
    long[] index = new long[Math.toIntExact(padded)];
    float[] weights = new float[index.length];
    long[] order = new long[ids.length];
    int[] next = Arrays.copyOf(firstRow, 33);
    long[] distinct = global ? null : new long[Math.min(index.length, side.slot.length)];
    int numDistinct = 0;
    for (int r = 0; r < ids.length; r++) {
      int node = (int) ids[r];
      int b = bucketOf[r];
      int rowInBucket = next[b]++ - firstRow[b];
      order[r] = next[b] - 1;
      int at = Math.toIntExact(blockStart[b] + (long) rowInBucket * (1 << b));
      for (int e = side.offsets[node]; e < side.offsets[node + 1]; e++) {
        int neighbour = side.neighbours[e];
        long column = neighbour;
        if (!global) {
          int slot = side.slot[neighbour];
          if (slot < 0) {
            slot = numDistinct++;
            side.slot[neighbour] = slot;
            distinct[slot] = neighbour;
          }
          column = slot;
        }
        index[at] = column;
        weights[at] = side.weights[e];
        at++;
      }
      // the rest of the row is padding: index 0, weight 0
    }
    long[] columns = null;
    if (!global) {
      for (int s = 0; s < numDistinct; s++) {
        side.slot[(int) distinct[s]] = -1;
      }
      columns = Arrays.copyOf(distinct, numDistinct);
    }
    return new Neighbourhood(columns, index, weights, bucketRows, bucketWidths, order);
  }
}
