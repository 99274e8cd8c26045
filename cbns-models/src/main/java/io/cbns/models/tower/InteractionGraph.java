package io.cbns.models.tower;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.cbns.core.data.CsrMatrix;
import java.util.Arrays;

/**
 * The user-item graph of the train interactions with LightGCN's symmetric normalisation: the edge
 * (u, i) weighs {@code 1 / sqrt(deg(u) deg(i))}. Holds both directions in compressed-sparse-row
 * form on the host (user to items, item to users) and computes, for a set of query nodes of one
 * side, the weighted sums of their neighbours' rows, {@code out[q] = sum_j w(q, j) x[j]}, from the
 * rows {@code x} of the other side.
 *
 * <p>Only the queried nodes' edges are read, so a one-layer step pays for the edges of its batch,
 * never for a dense users x items matrix. The sums use dense engine operations, in two levels: each
 * query's edges are cut into chunks of {@link #CHUNK} (the last one padded with weight 0), all
 * chunks are gathered as one {@code [chunks, CHUNK, d]} block and reduced by a batched product with
 * the weights; then each query adds up its consecutive chunk sums, queries grouped by chunk count
 * into power-of-two widths. The large arrays (one row per edge) thus go through one gather and one
 * product, forward and backward, and nothing else. For layers over the whole graph it also hands
 * out the adjacency in coordinate form ({@link #coordinates}, {@link #weights}), from which the
 * model builds the engine's sparse matrices.
 *
 * <p>Immutable apart from a scratch array per side that the distinct-neighbour search reuses: not
 * thread-safe (a model is used by one thread at a time).
 */
final class InteractionGraph {
  /**
   * Edges summed together in the first level (a query's last chunk is padded). 16 and 32 were level
   * on a Gowalla step, 64 slower (docs/PERFORMANCE.md, "LightGCN step").
   */
  static final int CHUNK = 32;

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
   * Padded gathers reduced along their width: bucket {@code b} is a block of {@code rows[b]} rows
   * of {@code widths[b]} indices into the input rows, summed along the width (weighted when {@code
   * weights} is set; padding weighs 0 or points at a zero row). The buckets' results are
   * concatenated and, when {@code order} is set, gathered into the callers' order.
   */
  private record Blocks(long[] index, float[] weights, int[] rows, int[] widths, long[] order) {
    NDArray apply(NDManager m, NDArray x) {
      long d = x.getShape().get(1);
      NDArray gathered = EmbeddingTable.rows(x, m.create(index).toDevice(x.getDevice(), false));
      NDArray w = weights == null ? null : m.create(weights).toDevice(x.getDevice(), false);
      NDList parts;
      NDList weightParts = null;
      if (rows.length == 1) {
        parts = new NDList(gathered);
        weightParts = w == null ? null : new NDList(w);
      } else {
        long[] cuts = new long[rows.length - 1];
        long at = 0;
        for (int b = 0; b + 1 < rows.length; b++) {
          at += (long) rows[b] * widths[b];
          cuts[b] = at;
        }
        // split's backward concatenates the parts' gradients: no full-size zero block per part
        parts = gathered.split(cuts, 0);
        weightParts = w == null ? null : w.split(cuts, 0);
      }
      NDList sums = new NDList(rows.length);
      for (int b = 0; b < rows.length; b++) {
        NDArray block = parts.get(b).reshape(rows[b], widths[b], d);
        sums.add(
            weightParts == null
                ? block.sum(new int[] {1})
                : weightParts
                    .get(b)
                    .reshape(rows[b], 1, widths[b])
                    .batchMatMul(block)
                    .reshape(rows[b], d));
      }
      NDArray out = sums.size() == 1 ? sums.get(0) : NDArrays.concat(sums);
      return order == null
          ? out
          : EmbeddingTable.rows(out, m.create(order).toDevice(x.getDevice(), false));
    }
  }

  /**
   * What one query reads: the distinct neighbours ({@code columns}, in order of first appearance),
   * the edge chunks and how they add up per query.
   */
  static final class Neighbourhood {
    private final long[] columns;
    private final Blocks chunks;
    private final Blocks perQuery;

    private Neighbourhood(long[] columns, Blocks chunks, Blocks perQuery) {
      this.columns = columns;
      this.chunks = chunks;
      this.perQuery = perQuery;
    }

    /** The distinct neighbour ids whose rows {@link #sum} expects, in that order. */
    long[] columns() {
      return columns;
    }

    /**
     * The weighted neighbour sums of the queried nodes, {@code [queries, d]}, with every array it
     * makes (the result too) on {@code m}. Passed explicitly because {@code rows} may be a whole
     * parameter table, whose manager lives as long as the model: arrays made there would never be
     * freed.
     *
     * @param m the caller's manager (a step's, an evaluation chunk's)
     * @param rows {@code [columns().length, d]}
     */
    NDArray sum(NDManager m, NDArray rows) {
      NDArray chunkSums = chunks.apply(m, rows);
      // one zero row at the end, where the padding of the per-query sums points
      NDArray zero = m.zeros(new Shape(1, rows.getShape().get(1)), rows.getDataType());
      return perQuery.apply(m, chunkSums.concat(zero.toDevice(rows.getDevice(), false), 0));
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

  /**
   * The normalised adjacency from one side's point of view in coordinate form, rows sorted: {@code
   * [2 * edges]}, the row (a user when {@code ofUsers}, else an item) of every edge followed by its
   * column (the neighbour on the other side), for the engine's sparse matrix.
   */
  long[] coordinates(boolean ofUsers) {
    Side side = ofUsers ? users : items;
    int e = side.neighbours.length;
    long[] out = new long[2 * e];
    for (int node = 0; node < size(ofUsers); node++) {
      for (int at = side.offsets[node]; at < side.offsets[node + 1]; at++) {
        out[at] = node;
        out[e + at] = side.neighbours[at];
      }
    }
    return out;
  }

  /** The edge weights in the order of {@link #coordinates}: {@code 1 / sqrt(deg(u) deg(i))}. */
  float[] weights(boolean ofUsers) {
    return (ofUsers ? users : items).weights.clone();
  }

  /** Number of users (of items when {@code !ofUsers}). */
  int size(boolean ofUsers) {
    return ofUsers ? numUsers : numItems;
  }

  /**
   * The neighbourhood of the queried users (whose neighbours are items) or items (whose neighbours
   * are users); its padded indices are positions in the distinct neighbours, {@link
   * Neighbourhood#columns()}.
   *
   * @throws IllegalArgumentException for an id outside the side
   */
  Neighbourhood neighbourhood(long[] ids, boolean ofUsers) {
    Side side = ofUsers ? users : items;
    int limit = size(ofUsers);
    // each query's edges in chunks of CHUNK (the last one padded with weight 0), numbered in query
    // order; then each query sums its chunks, queries bucketed by chunk count
    int[] chunkCount = new int[ids.length];
    int totalChunks = 0;
    for (int r = 0; r < ids.length; r++) {
      long id = ids[r];
      if (id < 0 || id >= limit) {
        throw new IllegalArgumentException(
            (ofUsers ? "user" : "item") + " id " + id + " outside [0, " + limit + ")");
      }
      chunkCount[r] = (side.degree((int) id) + CHUNK - 1) / CHUNK;
      totalChunks += chunkCount[r];
    }
    long[] index = new long[Math.multiplyExact(totalChunks, CHUNK)];
    float[] weights = new float[index.length];
    long[] distinct = new long[Math.min(index.length, side.slot.length)];
    int numDistinct = 0;
    int at = 0;
    for (long id : ids) {
      int node = (int) id;
      for (int e = side.offsets[node]; e < side.offsets[node + 1]; e++) {
        int neighbour = side.neighbours[e];
        int slot = side.slot[neighbour];
        if (slot < 0) {
          slot = numDistinct++;
          side.slot[neighbour] = slot;
          distinct[slot] = neighbour;
        }
        index[at] = slot;
        weights[at] = side.weights[e];
        at++;
      }
      at = (at + CHUNK - 1) / CHUNK * CHUNK; // the rest of the chunk is padding: index 0, weight 0
    }
    for (int s = 0; s < numDistinct; s++) {
      side.slot[(int) distinct[s]] = -1;
    }
    long[] columns = Arrays.copyOf(distinct, numDistinct);
    Blocks chunks = new Blocks(index, weights, new int[] {totalChunks}, new int[] {CHUNK}, null);
    return new Neighbourhood(columns, chunks, perQuery(chunkCount, totalChunks));
  }

  /**
   * The second level: query {@code r} adds up its {@code chunkCount[r]} consecutive chunk sums.
   * Queries are bucketed by chunk count into power-of-two widths (at most twice the chunks read);
   * padding, and queries without edges, point at the zero row {@code totalChunks}.
   */
  private static Blocks perQuery(int[] chunkCount, int totalChunks) {
    int[] bucketOf = new int[chunkCount.length];
    int[] counts = new int[32];
    for (int r = 0; r < chunkCount.length; r++) {
      int c = chunkCount[r];
      int b = c <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(c - 1);
      bucketOf[r] = b;
      counts[b]++;
    }
    int buckets = 0;
    int padded = 0;
    int[] firstRow = new int[32];
    int[] blockStart = new int[32];
    for (int b = 0, row = 0; b < 32; b++) {
      firstRow[b] = row;
      blockStart[b] = padded;
      row += counts[b];
      padded += counts[b] << b;
      buckets += counts[b] > 0 ? 1 : 0;
    }
    int[] rows = new int[buckets];
    int[] widths = new int[buckets];
    for (int b = 0, j = 0; b < 32; b++) {
      if (counts[b] > 0) {
        rows[j] = counts[b];
        widths[j++] = 1 << b;
      }
    }
    long[] index = new long[padded];
    Arrays.fill(index, totalChunks);
    long[] order = new long[chunkCount.length];
    int[] next = Arrays.copyOf(firstRow, 32);
    for (int r = 0, chunk = 0; r < chunkCount.length; r++) {
      int b = bucketOf[r];
      int rowInBucket = next[b]++ - firstRow[b];
      order[r] = firstRow[b] + rowInBucket;
      int at = blockStart[b] + (rowInBucket << b);
      for (int k = 0; k < chunkCount[r]; k++) {
        index[at + k] = chunk++;
      }
    }
    return new Blocks(index, null, rows, widths, order);
  }
}
