package io.cbns.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.core.config.Options;
import io.cbns.data.arrow.importer.DatasetImporter;
import io.cbns.data.arrow.importer.ImportReport;
import io.cbns.serving.IdMap;
import io.cbns.serving.Recommender;
import io.cbns.serving.Recommender.Recommendation;
import io.cbns.serving.ServedRun;
import io.cbns.serving.ServingOptions;
import io.cbns.serving.TestingTowers;
import io.cbns.serving.http.RecommendServer;
import io.cbns.serving.http.ServerSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving example of docs/library.md, compiled and run with cbns-serving alone on the class
 * path (its build bans the training stack): a run directory as {@code cbns train} and {@code cbns
 * export-onnx} leave it, opened and served from plain Java. The test checks that the example in the
 * document is the code between the markers below.
 */
final class TestServingLibraryUsage {
  private static final Path DOC = Path.of("..", "docs", "library.md");

  @TempDir Path tmp;
  private Path runDir;

  /** What training and export leave: an Arrow dataset, run.json naming it, and the towers. */
  @BeforeEach
  void aTrainedAndExportedRun() throws IOException {
    StringBuilder csv = new StringBuilder("user,item\n");
    for (int u = 0; u < 30; u++) {
      for (int j = 0; j < 6; j++) {
        csv.append("customer-").append(u).append(",sku-").append((u * 5 + j * 3) % 40).append('\n');
      }
    }
    Path file = tmp.resolve("orders.csv");
    Files.writeString(file, csv);
    Path data = tmp.resolve("data");
    ImportReport imported =
        DatasetImporter.run(
            "delimited", Options.of("", Map.of("path", file.toString(), "header", true)), data);
    runDir = tmp.resolve("runs/shop");
    Files.createDirectories(runDir);
    Files.writeString(
        runDir.resolve("run.json"),
        "{\"dataset\": {\"location\": \""
            + data.toAbsolutePath()
            + "\", \"fingerprint\": \""
            + imported.fingerprint()
            + "\"}}");
    int d = 8;
    TestingTowers.write(
        runDir.resolve("onnx"),
        TestingTowers.randomTable(imported.numUsers(), d, 1),
        TestingTowers.randomTable(imported.numItems(), d, 2),
        d,
        imported.fingerprint());
  }

  @Test
  void serveARunFromJava() throws Exception {
    List<String> printed = new ArrayList<>();
    // example:start
    try (ServedRun run = ServedRun.open(runDir); // the dataset recorded in run.json
        Recommender recommender = run.recommender(ServingOptions.DEFAULT)) {
      IdMap users = run.userIds(); // the dataset's original ids ("customer-7")
      IdMap items = run.itemIds();
      long[] ids = {users.parse("customer-7"), users.parse("customer-12")};
      for (Recommendation r : recommender.recommend(ids, 5)) {
        for (int i = 0; i < r.items().length; i++) {
          printed.add(
              users.format(r.user()) + " " + items.format(r.items()[i]) + " " + r.scores()[i]);
        }
      }

      // or as an HTTP endpoint (port 0: any free port)
      try (RecommendServer server =
          RecommendServer.start(recommender, users, items, ServerSettings.defaults(0))) {
        URI uri =
            URI.create(
                "http://127.0.0.1:"
                    + server.address().getPort()
                    + "/recommend?user=customer-7&k=5");
        HttpResponse<String> response =
            HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        printed.add(response.body()); // {"user":"customer-7","k":5,"items":[{"item":"sku-..
      }
    }
    // example:end
    assertThat(printed).hasSize(11);
    assertThat(printed.get(0)).startsWith("customer-7 sku-");
    assertThat(printed.get(5)).startsWith("customer-12 sku-");
    assertThat(printed.get(10))
        .startsWith("{\"user\":\"customer-7\",\"k\":5,\"items\":[{\"item\":\"sku-");
    // the HTTP answer lists the same items as the Java call
    for (int i = 0; i < 5; i++) {
      String item = printed.get(i).split(" ")[1];
      assertThat(printed.get(10)).contains("\"item\":\"" + item + "\"");
    }
  }

  @Test
  void theDocumentShowsThisCode() throws IOException {
    String source =
        Files.readString(Path.of("src/test/java/io/cbns/examples/TestServingLibraryUsage.java"));
    Matcher m =
        Pattern.compile("// example:start\\n(.*?)\\n\\s*// example:end", Pattern.DOTALL)
            .matcher(source);
    assertThat(m.find()).isTrue();
    String example = m.group(1).stripIndent().strip();
    assertThat(normalise(Files.readString(DOC))).contains(normalise(example));
  }

  /** Lines without their indentation, so that the document may indent the code differently. */
  private static String normalise(String text) {
    return text.lines()
        .map(String::strip)
        .filter(l -> !l.isEmpty())
        .reduce("", (a, b) -> a + b + "\n");
  }
}
