package io.cbns.serving.index;

import static java.util.Objects.requireNonNull;

import java.util.stream.IntStream;

/**
 * Brute force: every query is scored against every item, the exclusions are dropped, and a bounded
 * heap keeps the top k. The reference the approximate index is measured against, and the fastest
 * choice for small catalogues (Gowalla's 41k items take well under a millisecond per query).
 *
 * <p>The embeddings are kept transposed (one array per dimension) and scored in item tiles that
 * stay in cache while a group of 8 queries is scored against them; groups run in parallel on the
 * common fork-join pool when asked to. Immutable and thread-safe.
 */
public final class ExactIndex implements ItemIndex {
  // items per tile of the scoring loop: d x TILE floats of the table stay in cache while a group
  // of queries is scored against them
  private static final int TILE = 1024;
  private static final int GROUP = 8;

  private final int numItems;
  private final int dimension;
  // the item embeddings transposed, one array per dimension, for the scoring loop
  private final float[][] columns;

  /** An index over {@code embeddings} (copied into its own layout). */
  public ExactIndex(ItemEmbeddings embeddings) {
    requireNonNull(embeddings, "embeddings is null");
    this.numItems = embeddings.numItems();
    this.dimension = embeddings.dimension();
    this.columns = new float[dimension][numItems];
    float[] v = embeddings.values();
    for (int i = 0; i < numItems; i++) {
      for (int j = 0; j < dimension; j++) {
        columns[j][i] = v[i * dimension + j];
      }
    }
  }

  @Override
  public int numItems() {
    return numItems;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public String describe() {
    return "exact";
  }

  @Override
  public ScoredItems[] search(float[] queries, int k, Exclusion[] exclusions, boolean parallel) {
    requireNonNull(queries, "queries is null");
    requireNonNull(exclusions, "exclusions is null");
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    if (queries.length != (long) exclusions.length * dimension) {
      throw new IllegalArgumentException(
          "queries hold "
              + queries.length
              + " floats for "
              + exclusions.length
              + " exclusions of dimension "
              + dimension);
    }
    int n = exclusions.length;
    ScoredItems[] out = new ScoredItems[n];
    int groups = (n + GROUP - 1) / GROUP;
    IntStream range = IntStream.range(0, groups);
    (parallel && groups > 1 ? range.parallel() : range)
        .forEach(
            g -> {
              int from = g * GROUP;
              int to = Math.min(n, from + GROUP);
              float[][] scores = new float[to - from][numItems];
              score(queries, from, to, scores);
              for (int r = from; r < to; r++) {
                out[r] = top(scores[r - from], k, exclusions[r]);
              }
            });
    return out;
  }

  /** Adds the dot products of queries {@code [from, to)} with every item to {@code scores}. */
  private void score(float[] queries, int from, int to, float[][] scores) {
    int d = dimension;
    for (int a = 0; a < numItems; a += TILE) {
      int b = Math.min(numItems, a + TILE);
      for (int r = from; r < to; r++) {
        float[] s = scores[r - from];
        int qb = r * d;
        // axpys over item columns, which C2 vectorises: a dot product over d would be a float
        // reduction it may not reorder, and one flat [d * n] table (index j * n + i) measured 5x
        // slower on JDK 17 because the invariant offset defeats its alignment analysis. Four
        // columns per pass read and write the scores a quarter as often.
        int j = 0;
        for (; j + 4 <= d; j += 4) {
          float u0 = queries[qb + j];
          float u1 = queries[qb + j + 1];
          float u2 = queries[qb + j + 2];
          float u3 = queries[qb + j + 3];
          float[] c0 = columns[j];
          float[] c1 = columns[j + 1];
          float[] c2 = columns[j + 2];
          float[] c3 = columns[j + 3];
          for (int i = a; i < b; i++) {
            s[i] += u0 * c0[i] + u1 * c1[i] + u2 * c2[i] + u3 * c3[i];
          }
        }
        for (; j < d; j++) {
          float uj = queries[qb + j];
          float[] column = columns[j];
          for (int i = a; i < b; i++) {
            s[i] += uj * column[i];
          }
        }
      }
    }
  }

  private ScoredItems top(float[] scores, int k, Exclusion exclusion) {
    // NaN marks an excluded item: the heap never keeps one
    for (int e = 0; e < exclusion.size(); e++) {
      int item = exclusion.get(e);
      if (item >= 0 && item < numItems) {
        scores[item] = Float.NaN;
      }
    }
    TopK top = new TopK(Math.min(k, Math.max(1, numItems)));
    for (int i = 0; i < numItems; i++) {
      float s = scores[i];
      if (top.wouldKeep(s)) {
        top.offer(i, s);
      }
    }
    return top.result();
  }
}
