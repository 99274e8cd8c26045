package io.cbns.serving.index;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Measures an approximate index against the exact one on the same queries: recall@k (the fraction
 * of the exact top k that the approximate index also returns, averaged over queries) and, for both,
 * single-query latency and queries per second on one thread.
 */
public final class IndexComparison {
  private IndexComparison() {}

  /**
   * Latency of one index on one thread.
   *
   * @param queriesPerSecond queries answered per second, one after the other
   * @param p50Millis median latency of a query
   * @param p99Millis 99th percentile
   */
  public record Timing(double queriesPerSecond, double p50Millis, double p99Millis) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%,.0f queries/s (p50 %.3f ms, p99 %.3f ms)",
          queriesPerSecond,
          p50Millis,
          p99Millis);
    }
  }

  /**
   * The outcome.
   *
   * @param queries queries measured
   * @param k items per query
   * @param recall mean recall@k of the approximate index against the exact one
   * @param exact the exact index's timing
   * @param approximate the approximate index's timing
   */
  public record Result(int queries, int k, double recall, Timing exact, Timing approximate) {
    /** How many times more queries per second the approximate index answers. */
    public double speedup() {
      return approximate.queriesPerSecond() / exact.queriesPerSecond();
    }
  }

  /**
   * Runs every query through both indexes (after {@code warmUp} untimed queries on each).
   *
   * @param queries {@code n * d} floats, row-major
   * @param exclusions one per query
   */
  public static Result compare(
      ItemIndex exact,
      ItemIndex approximate,
      float[] queries,
      Exclusion[] exclusions,
      int k,
      int warmUp) {
    requireNonNull(exact, "exact is null");
    requireNonNull(approximate, "approximate is null");
    int n = exclusions.length;
    int d = exact.dimension();
    ScoredItems[] truth = new ScoredItems[n];
    ScoredItems[] found = new ScoredItems[n];
    Timing te = time(exact, queries, exclusions, k, warmUp, truth, d);
    Timing ta = time(approximate, queries, exclusions, k, warmUp, found, d);
    double recall = 0;
    int counted = 0;
    for (int q = 0; q < n; q++) {
      if (truth[q].size() == 0) {
        continue;
      }
      Set<Integer> t = new HashSet<>();
      for (int item : truth[q].items()) {
        t.add(item);
      }
      long hits = Arrays.stream(found[q].items()).filter(t::contains).count();
      recall += hits / (double) truth[q].size();
      counted++;
    }
    return new Result(n, k, counted == 0 ? 1 : recall / counted, te, ta);
  }

  private static Timing time(
      ItemIndex index,
      float[] queries,
      Exclusion[] exclusions,
      int k,
      int warmUp,
      ScoredItems[] out,
      int d) {
    int n = exclusions.length;
    for (int i = 0; i < warmUp; i++) {
      int q = i % n;
      index.search(slice(queries, q, d), k, exclusions[q]);
    }
    long[] nanos = new long[n];
    long t0 = System.nanoTime();
    for (int q = 0; q < n; q++) {
      float[] query = slice(queries, q, d);
      long s = System.nanoTime();
      out[q] = index.search(query, k, exclusions[q]);
      nanos[q] = System.nanoTime() - s;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Arrays.sort(nanos);
    return new Timing(n / seconds, percentile(nanos, 0.5), percentile(nanos, 0.99));
  }

  private static float[] slice(float[] queries, int q, int d) {
    return Arrays.copyOfRange(queries, q * d, q * d + d);
  }

  private static double percentile(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }
}
