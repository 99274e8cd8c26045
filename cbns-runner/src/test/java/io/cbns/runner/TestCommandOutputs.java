package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every command prints on standard output (results only: logs and bars go to stderr), and that
 * the real entry point, which ends with System.exit, does not lose it; and that the terminal is
 * quiet unless CBNS_LOG_LEVEL asks for more.
 */
final class TestCommandOutputs {
  @TempDir static Path tmp;
  private static Path run;
  private static CliRun trained;

  @BeforeAll
  static void trainATinyRun() {
    trained =
        CliRun.of(
            List.of(
                "train",
                "--set",
                "run.dir=" + tmp.resolve("runs"),
                "--set",
                "run.name=tiny",
                "--set",
                "data.users=120",
                "--set",
                "data.items=60",
                "--set",
                "data.interactions-per-user=8",
                "--set",
                "model.dim=8",
                "--set",
                "training.epochs=2",
                "--set",
                "drift.enabled=true",
                "--set",
                "drift.every=2"));
    assertThat(trained.exitCode()).as(trained.err()).isZero();
    run = tmp.resolve("runs/tiny");
  }

  private static List<String> lines(CliRun r) {
    assertThat(r.exitCode()).as(r.err()).isZero();
    return r.out().lines().toList();
  }

  @Test
  void trainPrintsItsRunDirectoryEpochsResultsAndTimes() {
    List<String> out = lines(trained);
    assertThat(out.get(0)).isEqualTo("run directory: " + run + " (device cpu())");
    assertThat(out.get(1)).startsWith("training on synthetic: 120 users, 60 items, ");
    assertThat(out).anyMatch(l -> l.startsWith("epoch 1/2  loss "));
    assertThat(out).anyMatch(l -> l.startsWith("mf + in-batch "));
    assertThat(out).anyMatch(l -> l.startsWith("most popular "));
    assertThat(out.get(out.size() - 1))
        .matches("trained 2 epochs \\(\\d+ steps\\) in [0-9.]+s; total [0-9.]+s; results in .*");
  }

  @Test
  void everyOtherCommandPrintsWhatItDid() throws IOException {
    assertThat(lines(CliRun.of(List.of("plugins"))).get(0)).startsWith("plugins: ");
    assertThat(lines(CliRun.of(List.of("report", run.toString()))))
        .containsExactly("wrote " + run.resolve("report.html"));
    assertThat(lines(CliRun.of(List.of("drift", run.toString()))))
        .containsExactly("wrote " + run.resolve("drift.png"));
    List<String> table = lines(CliRun.of(List.of("compare", run.toString())));
    assertThat(table).isNotEmpty().anyMatch(l -> l.contains("tiny"));
    Path chart = tmp.resolve("cmp.png");
    List<String> withChart =
        lines(CliRun.of(List.of("compare", run.toString(), "--chart", chart.toString())));
    assertThat(withChart).containsAll(table).endsWith("wrote " + chart);
    Path onnx = tmp.resolve("onnx");
    assertThat(lines(CliRun.of(List.of("export-onnx", run.toString(), "--out", onnx.toString()))))
        .containsExactly(
            "wrote " + onnx.resolve("user_tower.onnx"), "wrote " + onnx.resolve("item_tower.onnx"));
    Path items = tmp.resolve("emb/items.arrow");
    assertThat(
            lines(
                CliRun.of(List.of("embed", run.toString(), "--out", items.toString(), "--users"))))
        .containsExactly(
            "wrote " + items + " (60 items x 8)",
            "wrote " + tmp.resolve("emb/user_embeddings.arrow") + " (120 users x 8)");
    assertThat(lines(CliRun.of(List.of("index", run.toString()))))
        .singleElement()
        .asString()
        .startsWith("wrote " + run.resolve("index") + " (60 items, d=8, m=16, beam-width=100) in ");
    assertThat(lines(CliRun.of(List.of("recommend", run.toString(), "-u", "4", "-k", "3"))))
        .singleElement()
        .asString()
        .matches("4\t\\d+:-?[0-9.]+,\\d+:-?[0-9.]+,\\d+:-?[0-9.]+");
    Path csv = tmp.resolve("i.csv");
    Files.writeString(csv, "1,2\n1,3\n2,2\n2,4\n3,3\n3,4\n1,4\n2,3\n");
    List<String> imported =
        lines(
            CliRun.of(
                List.of(
                    "import",
                    "delimited",
                    "--set",
                    "path=" + csv,
                    "--set",
                    "test-ratio=0.4",
                    "--out",
                    tmp.resolve("ds").toString())));
    assertThat(imported.get(0)).isEqualTo("importing delimited: i.csv (0.0 MB)");
    assertThat(imported.get(1)).startsWith("imported i (delimited) into " + tmp.resolve("ds"));
  }

  /** {@code cbns ARGS} in its own JVM, through main() and System.exit, as the launcher runs it. */
  private static Process cbns(Map<String, String> env, Path out, Path err, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // the flags of the ./cbns launcher
    cmd.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.cbns.runner.Main");
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().remove(Main.LOG_LEVEL_VARIABLE);
    pb.environment().putAll(env);
    return pb.start();
  }

  private static int finish(Process p) throws InterruptedException {
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  @Test
  void theEntryPointFlushesWhatACommandPrintedBeforeItExits() throws Exception {
    Path out = tmp.resolve("compare.out");
    Path err = tmp.resolve("compare.err");
    Process p = cbns(Map.of(), out, err, "compare", run.toString());
    assertThat(finish(p)).as(Files.readString(err)).isZero();
    assertThat(Files.readString(out)).contains("tiny").contains("Recall@20");
  }

  @Test
  void theTerminalIsQuietUnlessCbnsLogLevelAsksForMore() throws Exception {
    Path csv = tmp.resolve("q.csv");
    Files.writeString(csv, "1,2\n1,3\n2,2\n2,4\n3,3\n3,4\n1,4\n2,3\n");
    for (String level : new String[] {"", "info"}) {
      Path out = tmp.resolve("import-" + level + ".out");
      Path err = tmp.resolve("import-" + level + ".err");
      Process p =
          cbns(
              level.isEmpty() ? Map.of() : Map.of(Main.LOG_LEVEL_VARIABLE, level),
              out,
              err,
              "import",
              "delimited",
              "--set",
              "path=" + csv,
              "--set",
              "test-ratio=0.4",
              "--out",
              tmp.resolve("q-" + level).toString());
      assertThat(finish(p)).as(Files.readString(err)).isZero();
      String stdout = Files.readString(out);
      String stderr = Files.readString(err);
      // the summary once, on stdout, at every level
      assertThat(stdout.split("imported q \\(delimited\\)", -1)).hasSize(2);
      assertThat(stderr).doesNotContain("imported q (delimited)");
      if (level.isEmpty()) {
        assertThat(stderr).isEmpty();
      } else {
        assertThat(stderr).contains(" INFO org.apache.arrow.memory");
      }
    }
    // training: no start-up notes of DJL, PyTorch or Arrow before the first line
    Path out = tmp.resolve("train.out");
    Path err = tmp.resolve("train.err");
    Process p =
        cbns(
            Map.of(),
            out,
            err,
            "train",
            "--set",
            "run.dir=" + tmp.resolve("quiet-runs"),
            "--set",
            "data.users=60",
            "--set",
            "data.items=40",
            "--set",
            "data.interactions-per-user=6",
            "--set",
            "training.epochs=1",
            "--set",
            "model.dim=4");
    assertThat(finish(p)).as(Files.readString(err)).isZero();
    assertThat(Files.readString(err)).doesNotContain(" INFO ");
    assertThat(Files.readString(out)).startsWith("run directory: ");

    Process bad = cbns(Map.of(Main.LOG_LEVEL_VARIABLE, "loud"), out, err, "plugins");
    assertThat(finish(bad)).isEqualTo(2);
    assertThat(Files.readString(err))
        .isEqualTo(
            "error: CBNS_LOG_LEVEL=loud is not a log level; use one of error, warn, info, debug,"
                + " trace"
                + System.lineSeparator());
  }
}
