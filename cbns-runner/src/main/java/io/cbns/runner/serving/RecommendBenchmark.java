package io.cbns.runner.serving;

import static java.util.Objects.requireNonNull;

import io.cbns.serving.Recommender;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Measures a {@link Recommender}: the latency of single-user requests (user tower, search of its
 * index with the train items excluded, top-k; no id parsing or printing) after a warm-up, and the
 * throughput of one pass over every user in batches. Behind {@code cbns recommend --benchmark N}.
 */
public final class RecommendBenchmark {
  private RecommendBenchmark() {}

  /**
   * @param recommender what to measure
   * @param k items per user
   * @param requests timed single-user requests (users drawn with a fixed seed)
   * @param batchSize users per batch in the throughput pass
   * @param out where the results go
   */
  public static void run(
      Recommender recommender, int k, int requests, int batchSize, PrintWriter out) {
    requireNonNull(recommender, "recommender is null");
    requireNonNull(out, "out is null");
    if (requests < 1 || batchSize < 1) {
      throw new IllegalArgumentException("requests and batchSize must be >= 1");
    }
    int users = recommender.numUsers();
    SplittableRandom random = new SplittableRandom(20210711);
    int warmUp = Math.max(500, requests / 2);
    for (int i = 0; i < warmUp; i++) {
      recommender.recommend(new long[] {random.nextInt(users)}, k);
    }
    long[] nanos = new long[requests];
    for (int i = 0; i < requests; i++) {
      long[] user = {random.nextInt(users)};
      long t0 = System.nanoTime();
      recommender.recommend(user, k);
      nanos[i] = System.nanoTime() - t0;
    }
    Arrays.sort(nanos);
    double mean = Arrays.stream(nanos).average().orElse(0) / 1e6;
    out.printf(
        "single user, k=%d, %,d items, d=%d, provider %s, %s: %d requests after %d warm-up:"
            + " p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, mean %.3f ms, max %.3f ms%n",
        k,
        recommender.numItems(),
        recommender.dimension(),
        recommender.provider(),
        recommender.index().describe(),
        requests,
        warmUp,
        percentile(nanos, 0.50),
        percentile(nanos, 0.90),
        percentile(nanos, 0.99),
        mean,
        nanos[nanos.length - 1] / 1e6);
    long t0 = System.nanoTime();
    for (int start = 0; start < users; start += batchSize) {
      int n = Math.min(batchSize, users - start);
      long[] ids = new long[n];
      for (int i = 0; i < n; i++) {
        ids[i] = start + i;
      }
      recommender.recommend(ids, k);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    out.printf(
        "batch: all %,d users in batches of %d on %d cores: %.2f s, %,.0f users/s%n",
        users, batchSize, Runtime.getRuntime().availableProcessors(), seconds, users / seconds);
    out.flush();
  }

  private static double percentile(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }
}
