package io.cbns.serving.index;

/**
 * Finds the items with the largest dot product with a query vector (inner-product search) among
 * every item's embedding. {@link ExactIndex} scores every item; {@link HnswIndex} walks an HNSW
 * graph and returns the same items for most queries, much faster on large catalogues.
 *
 * <p>Results are best first with the exact dot product as score; equal scores go to the lower item
 * id. Excluded items are skipped during the search: a query asking for k items gets k items that
 * are not excluded (fewer only when fewer remain).
 *
 * <p>Implementations are thread-safe; {@link #close()} releases files and memory.
 */
public interface ItemIndex extends AutoCloseable {
  /** The number of items. */
  int numItems();

  /** The embedding dimension d. */
  int dimension();

  /** A short description for logs and {@code /health}, e.g. {@code exact} or {@code hnsw(...)}. */
  String describe();

  /**
   * The top {@code k} items of each query.
   *
   * @param queries {@code n * d} floats, row-major, one query per row
   * @param k items per query, at least 1
   * @param exclusions one per query: the items that query must not return
   * @param parallel whether queries may run in parallel on the common fork-join pool (false inside
   *     a request thread pool, which is parallel already)
   * @return one result per query, in order
   */
  ScoredItems[] search(float[] queries, int k, Exclusion[] exclusions, boolean parallel);

  /** The top {@code k} items for one query vector. */
  default ScoredItems search(float[] query, int k, Exclusion exclusion) {
    return search(query, k, new Exclusion[] {exclusion}, false)[0];
  }

  @Override
  default void close() {}
}
