package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestReports {
  @TempDir static Path tmp;

  @BeforeAll
  static void trainTwoRuns() {
    for (String name : List.of("a", "b")) {
      CliRun r =
          CliRun.of(
              List.of(
                  "train",
                  "--set",
                  "run.dir=" + tmp,
                  "--set",
                  "run.name=" + name,
                  "--set",
                  "data.users=120",
                  "--set",
                  "data.items=80",
                  "--set",
                  "data.interactions-per-user=10",
                  "--set",
                  "model.dim=8",
                  "--set",
                  "training.epochs=2",
                  "--set",
                  "training.batch-size=64",
                  "--set",
                  "training.evaluate-every=1",
                  "--set",
                  "drift.enabled=" + name.equals("a"),
                  "--set",
                  "drift.every=2"));
      assertThat(r.exitCode()).as(r.err()).isZero();
    }
  }

  @Test
  void trainWritesASelfContainedHtmlReport() throws IOException {
    Path report = tmp.resolve("a").resolve("report.html");
    String html = Files.readString(report);
    assertThat(html)
        .startsWith("<!DOCTYPE html>")
        .contains("mf + in-batch")
        .contains("Final metrics (test)")
        .contains("recall@20")
        .contains("most popular")
        .contains("Feature drift")
        .contains("cbns_version")
        .contains("temperature: 0.1")
        .doesNotContain("src=\"http");
    // loss curve, ranking metrics, drift: three embedded PNGs
    assertThat(html.split("data:image/png;base64,", -1)).hasSize(4);
    assertThat(Files.readString(tmp.resolve("b").resolve("report.html")))
        .doesNotContain("Feature drift");
  }

  @Test
  void reportCommandRewritesIt() throws IOException {
    Path report = tmp.resolve("b").resolve("report.html");
    Files.delete(report);
    CliRun r = CliRun.of(List.of("report", tmp.resolve("b").toString()));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(report).isNotEmptyFile();
  }

  @Test
  void compareTabulatesRunsAndDrawsAChart() throws IOException {
    Path png = tmp.resolve("cmp.png");
    CliRun r =
        CliRun.of(
            List.of(
                "compare",
                tmp.resolve("a").toString(),
                tmp.resolve("b").toString(),
                "--chart",
                png.toString()));
    assertThat(r.exitCode()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).contains("Recall@20").contains("NDCG@20");
    assertThat(lines.get(1)).startsWith("a ").contains("mf").contains("in-batch");
    assertThat(lines.get(2)).startsWith("b ");
    assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');
  }

  @Test
  void compareDrawsTheLearningCurves() throws IOException {
    Path png = tmp.resolve("curves.png");
    CliRun r =
        CliRun.of(
            List.of(
                "compare",
                tmp.resolve("a").toString(),
                tmp.resolve("b").toString(),
                "--curves",
                png.toString()));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("wrote " + png);
    java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(1400);
    CliRun bad =
        CliRun.of(
            List.of("compare", tmp.resolve("a").toString(), "-k", "7", "--curves", png + "2"));
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(tmp.resolve("curves.png2")).doesNotExist();
  }

  @Test
  void compareOfSomethingElseIsAClearError() {
    CliRun r = CliRun.of(List.of("compare", tmp.toString()));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("summary.json not found").contains("finished cbns run directory");
    CliRun k = CliRun.of(List.of("compare", tmp.resolve("a").toString(), "-k", "7"));
    assertThat(k.exitCode()).isEqualTo(1);
    assertThat(k.err()).contains("has no recall@7");
  }
}
