package io.cbns.serving.http;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded load test of a running {@code cbns serve}: {@code concurrency} clients, each sending
 * {@code GET /recommend?user=ID&k=K} for random users (fixed seed) back to back on a kept-alive
 * connection, until {@code duration} has passed or {@code maxRequests} have been sent, whichever
 * comes first. Reports queries per second and latency percentiles; a response other than 200, or a
 * failed request, counts as an error.
 *
 * <pre>
 * java -cp cbns-serving.jar:... io.cbns.serving.http.LoadGenerator \
 *     --url http://127.0.0.1:8080 --users 29858 --concurrency 1,8,32 --seconds 10 --max-requests 20000
 * </pre>
 */
public final class LoadGenerator {
  private LoadGenerator() {}

  /**
   * One load level's outcome.
   *
   * @param concurrency clients sending at once
   * @param requests requests completed (errors included)
   * @param errors responses other than 200, and failed requests
   * @param seconds wall time of the level
   * @param p50Millis median latency
   * @param p99Millis 99th percentile latency
   * @param maxMillis the slowest request
   */
  public record Result(
      int concurrency,
      long requests,
      long errors,
      double seconds,
      double p50Millis,
      double p99Millis,
      double maxMillis) {
    /** Requests per second. */
    public double qps() {
      return seconds > 0 ? requests / seconds : 0;
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "concurrency %d: %,d requests in %.1f s = %,.0f QPS, p50 %.2f ms, p99 %.2f ms, max %.2f"
              + " ms, %d errors",
          concurrency,
          requests,
          seconds,
          qps(),
          p50Millis,
          p99Millis,
          maxMillis,
          errors);
    }
  }

  /**
   * Runs one load level.
   *
   * @param base the server, e.g. {@code http://127.0.0.1:8080}
   * @param userIds the ids to draw users from
   * @param k items per request
   * @param concurrency clients sending at once, at least 1
   * @param duration the time budget
   * @param maxRequests the request budget, at least 1
   * @param seed the seed of the users drawn
   */
  public static Result run(
      URI base,
      List<String> userIds,
      int k,
      int concurrency,
      Duration duration,
      long maxRequests,
      long seed) {
    requireNonNull(base, "base is null");
    requireNonNull(userIds, "userIds is null");
    requireNonNull(duration, "duration is null");
    if (userIds.isEmpty() || concurrency < 1 || maxRequests < 1 || k < 1) {
      throw new IllegalArgumentException("need users, concurrency >= 1, maxRequests >= 1, k >= 1");
    }
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    AtomicLong budget = new AtomicLong(maxRequests);
    AtomicLong errors = new AtomicLong();
    long deadline = System.nanoTime() + duration.toNanos();
    List<long[]> latencies = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long[] counts = new long[concurrency];
    long t0 = System.nanoTime();
    for (int c = 0; c < concurrency; c++) {
      long[] mine = new long[(int) Math.min(maxRequests, 10_000_000)];
      latencies.add(mine);
      int client0 = c;
      SplittableRandom random = new SplittableRandom(seed + c);
      Thread t =
          new Thread(
              () -> {
                int n = 0;
                while (System.nanoTime() < deadline && budget.getAndDecrement() > 0) {
                  String user = userIds.get(random.nextInt(userIds.size()));
                  URI uri =
                      base.resolve(
                          "/recommend?user="
                              + URLEncoder.encode(user, StandardCharsets.UTF_8)
                              + "&k="
                              + k);
                  long s = System.nanoTime();
                  try {
                    HttpResponse<byte[]> r =
                        client.send(
                            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() != 200) {
                      errors.incrementAndGet();
                    }
                  } catch (IOException e) {
                    errors.incrementAndGet();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                  }
                  mine[n++] = System.nanoTime() - s;
                }
                counts[client0] = n;
              },
              "cbns-load-" + c);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long total = Arrays.stream(counts).sum();
    long[] all = new long[(int) total];
    int at = 0;
    for (int c = 0; c < concurrency; c++) {
      System.arraycopy(latencies.get(c), 0, all, at, (int) counts[c]);
      at += (int) counts[c];
    }
    Arrays.sort(all);
    return new Result(
        concurrency,
        total,
        errors.get(),
        seconds,
        percentile(all, 0.50),
        percentile(all, 0.99),
        all.length == 0 ? 0 : all[all.length - 1] / 1e6);
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }

  /**
   * {@code --url URL --users N | --users-file FILE [--k 20] [--concurrency 1,8,32] [--seconds 10]
   * [--max-requests 20000] [--warmup-seconds 2] [--seed 1]}: one line per level; exits 1 when any
   * request failed.
   */
  public static void main(String[] args) throws IOException {
    System.exit(run(args, System.out));
  }

  static int run(String[] args, PrintStream out) throws IOException {
    URI url = null;
    List<String> users = null;
    int k = 20;
    int[] levels = {1, 8, 32};
    double seconds = 10;
    long maxRequests = 20_000;
    double warmup = 2;
    long seed = 1;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      if (v == null) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      i++;
      switch (a) {
        case "--url" -> url = URI.create(v);
        case "--users" -> {
          int n = Integer.parseInt(v);
          users = new ArrayList<>(n);
          for (int u = 0; u < n; u++) {
            users.add(Integer.toString(u));
          }
        }
        case "--users-file" ->
            users =
                java.nio.file.Files.readAllLines(java.nio.file.Path.of(v)).stream()
                    .map(String::strip)
                    .filter(s -> !s.isEmpty() && !s.startsWith("#"))
                    .toList();
        case "--k" -> k = Integer.parseInt(v);
        case "--concurrency" ->
            levels =
                Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
        case "--seconds" -> seconds = Double.parseDouble(v);
        case "--max-requests" -> maxRequests = Long.parseLong(v);
        case "--warmup-seconds" -> warmup = Double.parseDouble(v);
        case "--seed" -> seed = Long.parseLong(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (url == null || users == null) {
      throw new IllegalArgumentException("give --url and --users N or --users-file FILE");
    }
    if (warmup > 0) {
      run(url, users, k, 2, Duration.ofMillis((long) (warmup * 1000)), maxRequests, seed + 1000);
    }
    long errors = 0;
    for (int c : levels) {
      Result r =
          run(url, users, k, c, Duration.ofMillis((long) (seconds * 1000)), maxRequests, seed);
      out.println(r);
      errors += r.errors();
    }
    return errors == 0 ? 0 : 1;
  }
}
