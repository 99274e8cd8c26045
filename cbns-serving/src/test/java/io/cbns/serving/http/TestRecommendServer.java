package io.cbns.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.OnnxContract;
import io.cbns.serving.IdMap;
import io.cbns.serving.Provider;
import io.cbns.serving.Recommender;
import io.cbns.serving.TestingTowers;
import io.cbns.serving.onnx.OnnxTowers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server on loopback, asked by a real HTTP client. */
final class TestRecommendServer {
  private static final int USERS = 40;
  private static final int ITEMS = 200;
  private static final int D = 8;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static Path towers;
  static float[] users;
  static float[] items;
  static CsrMatrix train;
  static Recommender recommender;
  static IdMap userIds;
  static IdMap itemIds;
  static RecommendServer server;
  static HttpClient client;

  @BeforeAll
  static void start() throws IOException {
    setUp(tmp);
    recommender = recommender();
    server =
        RecommendServer.start(
            recommender,
            userIds,
            itemIds,
            new ServerSettings("127.0.0.1", 0, 2, 4, 4096, 100, 5, 5));
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Writes the towers into {@code dir} and sets the tables, the train split and the id maps. */
  static void setUp(Path dir) throws IOException {
    towers = dir;
    users = TestingTowers.randomTable(USERS, D, 1);
    items = TestingTowers.randomTable(ITEMS, D, 2);
    List<int[]> pairs = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      for (int j = 0; j < 10; j++) {
        pairs.add(new int[] {u, (u * 13 + j * 7) % ITEMS});
      }
    }
    train =
        CsrMatrix.fromPairs(
            USERS,
            ITEMS,
            pairs.stream().mapToInt(p -> p[0]).toArray(),
            pairs.stream().mapToInt(p -> p[1]).toArray());
    TestingTowers.write(dir, users, items, D, null);
    userIds =
        IdMap.of(
            "user", USERS, Optional.of(IntStream.range(0, USERS).mapToObj(u -> "u" + u).toList()));
    itemIds = IdMap.of("item", ITEMS, Optional.empty());
  }

  static Recommender recommender() {
    return Recommender.builder()
        .setTowers(
            OnnxTowers.builder()
                .setUserTower(towers.resolve(OnnxContract.USER_TOWER_FILE))
                .setItemTower(towers.resolve(OnnxContract.ITEM_TOWER_FILE))
                .setTrainByUser(train)
                .optProvider(Provider.CPU)
                .build())
        .setTrainByUser(train)
        .build();
  }

  @AfterAll
  static void stop() {
    server.close();
    recommender.close();
  }

  private static URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + server.address().getPort() + pathAndQuery);
  }

  static HttpResponse<String> get(String pathAndQuery) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int[] expected(int user, int k) {
    float[] query = Arrays.copyOfRange(users, user * D, user * D + D);
    return TestingTowers.bruteForce(query, items, D, k, train.row(user));
  }

  private static int[] itemsOf(JsonNode list) {
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Integer.parseInt(list.get(i).get("item").asText());
    }
    return out;
  }

  @Test
  void getRecommendReturnsTheTopItemsAsJson() throws Exception {
    HttpResponse<String> r = get("/recommend?user=u7&k=5");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    JsonNode json = JSON.readTree(r.body());
    assertThat(json.get("user").asText()).isEqualTo("u7");
    assertThat(json.get("k").asInt()).isEqualTo(5);
    assertThat(itemsOf(json.get("items"))).containsExactly(expected(7, 5));
    float[] query = Arrays.copyOfRange(users, 7 * D, 8 * D);
    int first = expected(7, 1)[0];
    assertThat((float) json.get("items").get(0).get("score").asDouble())
        .isEqualTo(TestingTowers.dot(query, items, D, first));
    // k defaults to 20
    assertThat(JSON.readTree(get("/recommend?user=u7").body()).get("items").size()).isEqualTo(20);
  }

  @Test
  void postRecommendsForSeveralUsersInOrderOrForAVector() throws Exception {
    HttpResponse<String> r = post("/recommend", "{\"users\": [\"u3\", \"u1\", \"u3\"], \"k\": 4}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode results = JSON.readTree(r.body()).get("results");
    assertThat(results.size()).isEqualTo(3);
    assertThat(results.get(1).get("user").asText()).isEqualTo("u1");
    assertThat(itemsOf(results.get(1).get("items"))).containsExactly(expected(1, 4));
    assertThat(itemsOf(results.get(2).get("items"))).containsExactly(expected(3, 4));

    float[] v = TestingTowers.randomTable(1, D, 5);
    StringBuilder body = new StringBuilder("{\"k\": 3, \"vector\": [");
    for (int j = 0; j < D; j++) {
      body.append(j == 0 ? "" : ",").append(v[j]);
    }
    body.append("]}");
    HttpResponse<String> rv = post("/recommend", body.toString());
    assertThat(rv.statusCode()).as(rv.body()).isEqualTo(200);
    assertThat(itemsOf(JSON.readTree(rv.body()).get("items")))
        .containsExactly(TestingTowers.bruteForce(v, items, D, 3, new int[0]));
  }

  @Test
  void healthSaysWhatIsServed() throws Exception {
    HttpResponse<String> r = get("/health");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode json = JSON.readTree(r.body());
    assertThat(json.get("status").asText()).isEqualTo("ok");
    assertThat(json.get("users").asInt()).isEqualTo(USERS);
    assertThat(json.get("items").asInt()).isEqualTo(ITEMS);
    assertThat(json.get("dimension").asInt()).isEqualTo(D);
    assertThat(json.get("index").asText()).isEqualTo("exact");
  }

  @Test
  void badRequestsGetA4xxThatSaysWhatWasWrong() throws Exception {
    assertError(get("/recommend"), 400, "missing parameter user");
    assertError(get("/recommend?user=u1&k=0"), 400, "k must be in [1, 100], got 0");
    assertError(get("/recommend?user=u1&k=101"), 400, "k must be in [1, 100], got 101");
    assertError(get("/recommend?user=u1&k=ten"), 400, "k must be an integer, got 'ten'");
    assertError(get("/recommend?user=u1&user=u2"), 400, "parameter 'user' given twice");
    assertError(get("/recommend?user=u1&kk=3"), 400, "unknown parameter 'kk'");
    assertError(get("/recommend?user=nobody"), 404, "unknown user id 'nobody'");
    assertError(get("/recommend?user=3"), 404, "unknown user id '3'");
    assertError(get("/nothing"), 404, "no such path /nothing");
    assertError(post("/recommend", "{not json"), 400, "the body is not valid JSON");
    assertError(post("/recommend", "[1]"), 400, "the body must be a JSON object");
    assertError(post("/recommend", "{\"users\": [\"u1\"], \"x\": 1}"), 400, "unknown field 'x'");
    assertError(post("/recommend", "{\"k\": 3}"), 400, "give exactly one of users");
    assertError(post("/recommend", "{\"users\": []}"), 400, "non-empty list");
    assertError(
        post("/recommend", "{\"users\": [\"u1\",\"u1\",\"u1\",\"u1\",\"u1\",\"u1\"]}"),
        400,
        "at most 5 users per request, got 6");
    assertError(post("/recommend", "{\"users\": [\"u1\", null]}"), 400, "users[1] must be");
    assertError(post("/recommend", "{\"users\": [\"u1\", \"zz\"]}"), 404, "unknown user id 'zz'");
    assertError(post("/recommend", "{\"vector\": [1, 2]}"), 400, "vector must be a list of 8");
    assertError(
        post("/recommend", "{\"vector\": [1,2,3,4,5,6,7,\"x\"]}"), 400, "vector[7] must be a");
    assertError(
        post("/recommend", "{\"users\": [\"u1\"], \"k\": 2.5}"), 400, "k must be an integer");
    HttpResponse<String> delete =
        client.send(
            HttpRequest.newBuilder(uri("/recommend")).DELETE().build(),
            HttpResponse.BodyHandlers.ofString());
    assertError(delete, 405, "method DELETE not allowed");
    assertThat(delete.headers().firstValue("Allow")).hasValue("GET, POST");
    assertError(post("/health", "{}"), 405, "use GET");
  }

  @Test
  void aBodyOverTheLimitIsRefusedWith413() throws Exception {
    String big = "{\"users\": [" + "\"u1\",".repeat(2000) + "\"u1\"]}";
    assertError(post("/recommend", big), 413, "at most 4096 are accepted");
  }

  @Test
  void aFullPoolIsAnswered503AndTheServerRecovers() throws Exception {
    // a dedicated server: one thread, no queue; a request whose body never arrives holds it
    try (Recommender r = recommender()) {
      RecommendServer small =
          RecommendServer.start(
              r, userIds, itemIds, new ServerSettings("127.0.0.1", 0, 1, 0, 4096, 100, 5, 1));
      int port = small.address().getPort();
      try (Socket stuck = new Socket("127.0.0.1", port)) {
        OutputStream out = stuck.getOutputStream();
        out.write(
            ("POST /recommend HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"users\"")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        HttpResponse<String> busy = null;
        for (int i = 0; i < 50; i++) {
          busy =
              client.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (busy.statusCode() == 503) {
            break;
          }
          Thread.sleep(20);
        }
        assertError(busy, 503, "the server is busy");
      }
      // the stuck client went away: its thread is free again
      HttpResponse<String> ok = null;
      for (int i = 0; i < 100; i++) {
        ok =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (ok.statusCode() == 200) {
          break;
        }
        Thread.sleep(20);
      }
      assertThat(ok.statusCode()).isEqualTo(200);
      small.close();
    }
  }

  @Test
  void closingLetsARequestInFlightFinishAndThenRefusesConnections() throws Exception {
    try (Recommender r = recommender()) {
      RecommendServer s =
          RecommendServer.start(
              r, userIds, itemIds, new ServerSettings("127.0.0.1", 0, 2, 4, 4096, 100, 5, 10));
      int port = s.address().getPort();
      try (Socket inFlight = new Socket("127.0.0.1", port)) {
        String body = "{\"users\": [\"u2\"], \"k\": 3}";
        OutputStream out = inFlight.getOutputStream();
        out.write(
            ("POST /recommend HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
                    + body.length()
                    + "\r\n\r\n"
                    + body.substring(0, 5))
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(200); // the server has the request and waits for the rest of its body
        CompletableFuture<Void> closing = CompletableFuture.runAsync(s::close);
        Thread.sleep(200);
        assertThat(closing).isNotDone();
        out.write(body.substring(5).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = inFlight.getInputStream();
        String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        assertThat(response).startsWith("HTTP/1.1 200").contains("\"user\":\"u2\"");
        closing.get();
      }
      assertThat(
              CompletableFuture.supplyAsync(
                      () -> {
                        try (Socket late = new Socket("127.0.0.1", port)) {
                          return "connected";
                        } catch (IOException e) {
                          return "refused";
                        }
                      })
                  .get())
          .isEqualTo("refused");
    }
  }

  private static void assertError(HttpResponse<String> r, int status, String message)
      throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode json = JSON.readTree(r.body());
    assertThat(json.get("error").asText()).contains(message);
  }
}
