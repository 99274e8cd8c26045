package io.cbns.serving.http;

import static java.util.Objects.requireNonNull;

/**
 * The bounds of a {@link RecommendServer}.
 *
 * @param host the address to listen on ({@code 127.0.0.1} for loopback only, {@code 0.0.0.0} for
 *     every interface)
 * @param port the port, 0 for any free one
 * @param threads request threads (each runs one request at a time)
 * @param queue requests that may wait for a thread; one more is answered {@code 503} at once
 * @param maxBodyBytes the largest request body accepted; larger is answered {@code 413}
 * @param maxK the largest {@code k} a request may ask for
 * @param maxUsers the most users one {@code POST /recommend} may ask for
 * @param gracefulSeconds on shutdown, how long requests in flight may take to finish
 */
public record ServerSettings(
    String host,
    int port,
    int threads,
    int queue,
    int maxBodyBytes,
    int maxK,
    int maxUsers,
    int gracefulSeconds) {
  /** Defaults for {@code port}: loopback, 4 threads, 64 queued, 1 MiB, k <= 1000, 1000 users. */
  public static ServerSettings defaults(int port) {
    return new ServerSettings("127.0.0.1", port, 4, 64, 1 << 20, 1000, 1000, 5);
  }

  public ServerSettings {
    requireNonNull(host, "host is null");
    check(port >= 0 && port <= 65535, "port must be in [0, 65535], got " + port);
    check(threads >= 1 && threads <= 1024, "threads must be in [1, 1024], got " + threads);
    check(queue >= 0 && queue <= 1_000_000, "queue must be in [0, 1000000], got " + queue);
    check(maxBodyBytes >= 64, "maxBodyBytes must be >= 64, got " + maxBodyBytes);
    check(maxK >= 1, "maxK must be >= 1, got " + maxK);
    check(maxUsers >= 1, "maxUsers must be >= 1, got " + maxUsers);
    check(gracefulSeconds >= 0, "gracefulSeconds must be >= 0, got " + gracefulSeconds);
  }

  /** A copy listening on {@code port}. */
  public ServerSettings withPort(int port) {
    return new ServerSettings(
        host, port, threads, queue, maxBodyBytes, maxK, maxUsers, gracefulSeconds);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
