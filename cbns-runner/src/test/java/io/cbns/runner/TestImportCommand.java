package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestImportCommand {
  @TempDir Path tmp;

  /** A LightGCN directory of 40 users in 4 clusters of 10 items. */
  private Path lightGcnFiles() throws IOException {
    Path src = Files.createDirectories(tmp.resolve("src"));
    StringBuilder train = new StringBuilder();
    StringBuilder test = new StringBuilder();
    for (int u = 0; u < 40; u++) {
      int c = (u / 2) % 4;
      train.append(u);
      int shift = u % 2; // even users hold items 0..5 of their cluster, odd users 1..6
      for (int j = 0; j < 6; j++) {
        train.append(' ').append(c * 10 + j + shift);
      }
      train.append('\n');
      test.append(u).append(' ').append(c * 10 + (shift == 0 ? 6 : 0)).append('\n');
    }
    Files.writeString(src.resolve("train.txt"), train);
    Files.writeString(src.resolve("test.txt"), test);
    return src;
  }

  @Test
  void importsLightGcnFilesAndTrainsOnTheResult() throws IOException {
    Path src = lightGcnFiles();
    Path out = tmp.resolve("ds");
    CliRun r =
        CliRun.of(List.of("import", "lightgcn", "--set", "path=" + src, "--out", out.toString()));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("40 users").contains("train 240");
    assertThat(out.resolve("manifest.json")).isRegularFile();

    CliRun t =
        CliRun.of(
            List.of(
                "train",
                "--set",
                "run.dir=" + tmp.resolve("runs"),
                "--set",
                "data.source=arrow",
                "--set",
                "data.path=" + out,
                "--set",
                "model.dim=8",
                "--set",
                "training.epochs=2",
                "--set",
                "training.batch-size=64"));
    assertThat(t.exitCode()).as(t.err()).isZero();
    assertThat(t.out()).contains("40 users");
  }

  @Test
  void importsInShardsAndTrainsStreamingThem() throws IOException {
    Path src = lightGcnFiles();
    Path out = tmp.resolve("sharded");
    CliRun r =
        CliRun.of(
            List.of(
                "import",
                "lightgcn",
                "--set",
                "path=" + src,
                "--set",
                "shard-rows=50",
                "--out",
                out.toString()));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(out.resolve("train-00004.arrow")).isRegularFile(); // 240 rows in 5 shards
    assertThat(out.resolve("train.arrow")).doesNotExist();

    Path runs = tmp.resolve("runs");
    CliRun t =
        CliRun.of(
            List.of(
                "train",
                "--set",
                "run.dir=" + runs,
                "--set",
                "run.name=streamed",
                "--set",
                "data.source=arrow",
                "--set",
                "data.path=" + out,
                "--set",
                "data.stream-passes=2",
                "--set",
                "model.dim=8",
                "--set",
                "training.epochs=2",
                "--set",
                "training.batch-size=64"));
    assertThat(t.exitCode()).as(t.err()).isZero();
    assertThat(t.out()).contains("40 users").contains("Recall@20");
    // later commands open the run's dataset the same way
    CliRun e =
        CliRun.of(
            List.of(
                "smooth",
                runs.resolve("streamed").toString(),
                "--split",
                "test",
                "--user-weights",
                "0",
                "--item-weights",
                "0"));
    assertThat(e.exitCode()).as(e.err()).isZero();
    assertThat(e.out()).contains("Recall@20");
  }

  @Test
  void badInputNamesFileAndLineAndLeavesNoDirectory() throws IOException {
    Path src = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(src.resolve("train.txt"), "0 1 2\n1 x 3\n");
    Files.writeString(src.resolve("test.txt"), "0 3\n");
    Path out = tmp.resolve("never");
    CliRun r =
        CliRun.of(List.of("import", "lightgcn", "--set", "path=" + src, "--out", out.toString()));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("train.txt:2");
    assertThat(out).doesNotExist();
  }

  @Test
  void unknownOptionIsAConfigError() {
    CliRun r =
        CliRun.of(
            List.of(
                "import",
                "lightgcn",
                "--set",
                "path=" + tmp,
                "--set",
                "pth=x",
                "--out",
                tmp.resolve("o").toString()));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("pth: unknown key");
  }
}
