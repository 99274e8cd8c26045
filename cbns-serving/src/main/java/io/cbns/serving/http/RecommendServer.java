package io.cbns.serving.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cbns.core.CbnsException;
import io.cbns.serving.IdMap;
import io.cbns.serving.Recommender;
import io.cbns.serving.Recommender.Recommendation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recommendations over HTTP with JSON, on the JDK's HTTP server:
 *
 * <ul>
 *   <li>{@code GET /health}: {@code {"status":"ok","users":..,"items":..,"dimension":..,
 *       "index":"..","provider":".."}};
 *   <li>{@code GET /recommend?user=ID&k=K}: {@code {"user":"ID","k":K,"items":[{"item":"ID",
 *       "score":S},...]}}, best first, never the user's train items;
 *   <li>{@code POST /recommend} with {@code {"users":["ID",...],"k":K}}: {@code {"k":K,
 *       "results":[{"user":..,"items":[..]},..]}} in the order asked; or with {@code {"vector":[d
 *       numbers],"k":K}}: {@code {"k":K,"items":[..]}} for that user vector, nothing excluded.
 * </ul>
 *
 * <p>Ids are the dataset's original ids when it has an id map (strings), else the dense ids; a
 * request may give them as strings or numbers, responses give strings. {@code k} defaults to 20.
 *
 * <p>Bounded: {@link ServerSettings#threads()} request threads and a queue of {@link
 * ServerSettings#queue()} (a request beyond is answered {@code 503}), bodies up to {@link
 * ServerSettings#maxBodyBytes()} ({@code 413} beyond), {@code k} and the users per request capped.
 * A bad request gets a {@code 4xx} with {@code {"error":"what was wrong"}}: {@code 400} malformed,
 * {@code 404} an unknown user or path, {@code 405} a wrong method, {@code 413} too large. {@link
 * #close()} stops accepting and lets the requests in flight finish (up to {@link
 * ServerSettings#gracefulSeconds()}).
 */
public final class RecommendServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecommendServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();
  private static final int DEFAULT_K = 20;
  private static final String NODELAY = "sun.net.httpserver.nodelay";

  private final Recommender recommender;
  private final IdMap users;
  private final IdMap items;
  private final ServerSettings settings;
  private final HttpServer server;
  private final ThreadPoolExecutor pool;
  private final AtomicLong served = new AtomicLong();
  private boolean closed;

  private RecommendServer(
      Recommender recommender, IdMap users, IdMap items, ServerSettings settings)
      throws IOException {
    this.recommender = recommender;
    this.users = users;
    this.items = items;
    this.settings = settings;
    AtomicInteger threadNo = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            settings.threads(),
            settings.threads(),
            0,
            TimeUnit.SECONDS,
            settings.queue() == 0
                ? new java.util.concurrent.SynchronousQueue<>()
                : new ArrayBlockingQueue<>(settings.queue()),
            r -> {
              Thread t = new Thread(r, "cbns-http-" + threadNo.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    this.server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 128);
    // the handlers run on the server's dispatcher thread and only hand the exchange to the pool,
    // so that a full pool is answered with 503 at once instead of blocking the accepting thread
    server.createContext("/", this::dispatch);
    server.setExecutor(null);
  }

  /**
   * Starts serving.
   *
   * @param users the user ids requests use (and responses print)
   * @param items the item ids responses print
   * @throws CbnsException when the address cannot be bound (e.g. the port is taken)
   */
  public static RecommendServer start(
      Recommender recommender, IdMap users, IdMap items, ServerSettings settings) {
    requireNonNull(recommender, "recommender is null");
    requireNonNull(users, "users is null");
    requireNonNull(items, "items is null");
    requireNonNull(settings, "settings is null");
    if (users.size() != recommender.numUsers() || items.size() != recommender.numItems()) {
      throw new IllegalArgumentException("the id maps do not fit the recommender's sizes");
    }
    // TCP_NODELAY on the accepted sockets: the JDK server writes the headers and the body
    // separately, and with Nagle's algorithm the body then waits for the client's delayed ACK
    // (about 40 ms per request on Linux). Read once, when the JDK's server is first used.
    if (System.getProperty(NODELAY) == null) {
      System.setProperty(NODELAY, "true");
    }
    RecommendServer s;
    try {
      s = new RecommendServer(recommender, users, items, settings);
    } catch (IOException e) {
      throw new CbnsException(
          "cannot listen on "
              + settings.host()
              + ":"
              + settings.port()
              + " ("
              + e.getMessage()
              + "); is the port taken? choose another with --port",
          e);
    }
    s.server.start();
    return s;
  }

  /** The address the server listens on (the actual port when 0 was asked). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** The requests answered so far. */
  public long requestsServed() {
    return served.get();
  }

  /**
   * Stops accepting connections, lets the requests in flight finish (up to the graceful period),
   * then stops the threads. Idempotent. Does not close the recommender.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.stop(settings.gracefulSeconds());
    pool.shutdown();
    try {
      if (!pool.awaitTermination(Math.max(1, settings.gracefulSeconds()), TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private void dispatch(HttpExchange exchange) {
    try {
      pool.execute(() -> handle(exchange));
    } catch (RejectedExecutionException e) {
      respondQuietly(
          exchange, 503, error("the server is busy (all request threads and the queue are full)"));
    }
  }

  private void handle(HttpExchange exchange) {
    try {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      byte[] body;
      if (path.equals("/health")) {
        requireMethod(method, "GET");
        body = health();
      } else if (path.equals("/recommend")) {
        if (method.equals("GET")) {
          body = recommendGet(exchange.getRequestURI().getRawQuery());
        } else if (method.equals("POST")) {
          body = recommendPost(readBody(exchange));
        } else {
          exchange.getResponseHeaders().set("Allow", "GET, POST");
          throw new HttpError(405, "method " + method + " not allowed here; use GET or POST");
        }
      } else {
        throw new HttpError(
            404, "no such path " + path + "; use /recommend or /health (see docs/serving.md)");
      }
      respond(exchange, 200, body);
    } catch (HttpError e) {
      if (e.status == 405 && !exchange.getResponseHeaders().containsKey("Allow")) {
        exchange.getResponseHeaders().set("Allow", "GET");
      }
      respondQuietly(exchange, e.status, error(e.getMessage()));
    } catch (RuntimeException e) {
      LOG.warn("request {} failed", exchange.getRequestURI(), e);
      respondQuietly(exchange, 500, error("internal error: " + e.getMessage()));
    } catch (IOException e) {
      // the client went away while we read or wrote: nobody to answer
      LOG.debug("request {}: {}", exchange.getRequestURI(), e.toString());
      exchange.close();
    }
  }

  private byte[] health() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("status", "ok");
      g.writeNumberField("users", recommender.numUsers());
      g.writeNumberField("items", recommender.numItems());
      g.writeNumberField("dimension", recommender.dimension());
      g.writeStringField("index", recommender.index().describe());
      g.writeStringField("provider", recommender.provider());
      g.writeNumberField("requests_served", served.get());
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private byte[] recommendGet(String rawQuery) throws IOException {
    Map<String, String> params = query(rawQuery);
    for (String name : params.keySet()) {
      if (!name.equals("user") && !name.equals("k")) {
        throw new HttpError(400, "unknown parameter '" + name + "'; use user=ID and k=K");
      }
    }
    String user = params.get("user");
    if (user == null || user.isBlank()) {
      throw new HttpError(400, "missing parameter user: GET /recommend?user=ID&k=K");
    }
    int k = k(params.get("k"));
    int dense = parseUser(user);
    Recommendation r = recommender.recommend(new long[] {dense}, k, false).get(0);
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 48 * r.items().length);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("user", users.format(dense));
      g.writeNumberField("k", k);
      writeItems(g, r);
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private byte[] recommendPost(byte[] body) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new HttpError(400, "the body is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new HttpError(
          400,
          "the body must be a JSON object: {\"users\": [...], \"k\": K} or {\"vector\": [...]}");
    }
    for (var it = root.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!name.equals("users") && !name.equals("vector") && !name.equals("k")) {
        throw new HttpError(400, "unknown field '" + name + "'; use users or vector, and k");
      }
    }
    JsonNode kNode = root.get("k");
    int k;
    if (kNode == null) {
      k = DEFAULT_K;
    } else if (!kNode.isIntegralNumber()) {
      throw new HttpError(400, "k must be an integer, got " + kNode);
    } else {
      k = k(kNode.asText());
    }
    JsonNode userList = root.get("users");
    JsonNode vector = root.get("vector");
    if ((userList == null) == (vector == null)) {
      throw new HttpError(400, "give exactly one of users (a list of user ids) and vector");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    if (vector != null) {
      float[] v = vector(vector);
      Recommendation r = recommender.recommendForVector(v, k);
      try (JsonGenerator g = FACTORY.createGenerator(out)) {
        g.writeStartObject();
        g.writeNumberField("k", k);
        writeItems(g, r);
        g.writeEndObject();
      }
      return out.toByteArray();
    }
    if (!userList.isArray() || userList.isEmpty()) {
      throw new HttpError(400, "users must be a non-empty list of user ids");
    }
    if (userList.size() > settings.maxUsers()) {
      throw new HttpError(
          400, "at most " + settings.maxUsers() + " users per request, got " + userList.size());
    }
    long[] ids = new long[userList.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode u = userList.get(i);
      if (!u.isTextual() && !u.isIntegralNumber()) {
        throw new HttpError(400, "users[" + i + "] must be a string or an integer, got " + u);
      }
      ids[i] = parseUser(u.asText());
    }
    List<Recommendation> recs = recommender.recommend(ids, k, false);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("k", k);
      g.writeArrayFieldStart("results");
      for (Recommendation r : recs) {
        g.writeStartObject();
        g.writeStringField("user", users.format(r.user()));
        writeItems(g, r);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private float[] vector(JsonNode node) {
    int d = recommender.dimension();
    if (!node.isArray() || node.size() != d) {
      throw new HttpError(
          400, "vector must be a list of " + d + " numbers (the towers' dimension)");
    }
    float[] v = new float[d];
    for (int j = 0; j < d; j++) {
      JsonNode x = node.get(j);
      if (!x.isNumber() || !Double.isFinite(x.asDouble())) {
        throw new HttpError(400, "vector[" + j + "] must be a finite number, got " + x);
      }
      v[j] = (float) x.asDouble();
    }
    return v;
  }

  private void writeItems(JsonGenerator g, Recommendation r) throws IOException {
    g.writeArrayFieldStart("items");
    for (int i = 0; i < r.items().length; i++) {
      g.writeStartObject();
      g.writeStringField("item", items.format(r.items()[i]));
      g.writeNumberField("score", r.scores()[i]);
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private int k(String text) {
    if (text == null) {
      return DEFAULT_K;
    }
    int k;
    try {
      k = Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new HttpError(400, "k must be an integer, got '" + text + "'");
    }
    if (k < 1 || k > settings.maxK()) {
      throw new HttpError(400, "k must be in [1, " + settings.maxK() + "], got " + k);
    }
    return k;
  }

  private int parseUser(String text) {
    try {
      return users.parse(text);
    } catch (CbnsException e) {
      throw new HttpError(404, e.getMessage());
    }
  }

  private static void requireMethod(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw new HttpError(405, "method " + method + " not allowed here; use " + allowed);
    }
  }

  /** The decoded parameters of a query string; a parameter given twice is an error. */
  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name;
      String value;
      try {
        name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new HttpError(400, "malformed query string: " + e.getMessage());
      }
      if (out.put(name, value) != null) {
        throw new HttpError(400, "parameter '" + name + "' given twice");
      }
    }
    return out;
  }

  private byte[] readBody(HttpExchange exchange) throws IOException {
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    int max = settings.maxBodyBytes();
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.strip());
      } catch (NumberFormatException e) {
        throw new HttpError(400, "bad Content-Length '" + length + "'");
      }
      if (declared > max) {
        throw new HttpError(
            413, "the body has " + declared + " bytes; at most " + max + " are accepted");
      }
    }
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(max + 1);
      if (body.length > max) {
        throw new HttpError(413, "the body is larger than " + max + " bytes");
      }
      return body;
    }
  }

  private void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
    served.incrementAndGet();
  }

  private void respondQuietly(HttpExchange exchange, int status, byte[] body) {
    try {
      respond(exchange, status, body);
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot answer {}: {}", exchange.getRequestURI(), e.toString());
      exchange.close();
    }
  }

  private static byte[] error(String message) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(64 + message.length());
      try (JsonGenerator g = FACTORY.createGenerator(out)) {
        g.writeStartObject();
        g.writeStringField("error", message);
        g.writeEndObject();
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A request the server answers with a 4xx status and this message. */
  private static final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    HttpError(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }
}
