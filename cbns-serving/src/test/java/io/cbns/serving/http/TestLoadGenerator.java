package io.cbns.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.serving.Recommender;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bounded load test against a real server on loopback, with the default bounds. */
final class TestLoadGenerator {
  private static Recommender recommender;
  private static RecommendServer server;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    TestRecommendServer.setUp(tmp);
    recommender = TestRecommendServer.recommender();
    server =
        RecommendServer.start(
            recommender,
            TestRecommendServer.userIds,
            TestRecommendServer.itemIds,
            ServerSettings.defaults(0));
  }

  @AfterAll
  static void stop() {
    server.close();
    recommender.close();
  }

  @Test
  void stopsAtItsRequestBudgetWithNoErrorsAtEveryConcurrency() {
    URI base = URI.create("http://127.0.0.1:" + server.address().getPort());
    List<String> users = IntStream.range(0, 40).mapToObj(u -> "u" + u).toList();
    for (int c : new int[] {1, 8, 32}) {
      LoadGenerator.Result r =
          LoadGenerator.run(base, users, 10, c, Duration.ofSeconds(60), 300, 7);
      assertThat(r.requests()).as("concurrency %d", c).isEqualTo(300);
      assertThat(r.errors()).isZero();
      assertThat(r.p99Millis()).isGreaterThanOrEqualTo(r.p50Millis()).isPositive();
      assertThat(r.qps()).isPositive();
      System.out.println(r);
    }
  }

  @Test
  void stopsAtItsTimeBudgetAndCountsErrors() {
    URI base = URI.create("http://127.0.0.1:" + server.address().getPort());
    long t0 = System.nanoTime();
    // unknown users: every request is an error (404)
    LoadGenerator.Result r =
        LoadGenerator.run(base, List.of("nobody"), 10, 2, Duration.ofMillis(300), 1_000_000, 7);
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
    assertThat(r.requests()).isPositive().isLessThan(1_000_000);
    assertThat(r.errors()).isEqualTo(r.requests());
  }
}
