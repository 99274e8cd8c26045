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

  @Test
  void importsLightGcnFilesAndTrainsOnTheResult() throws IOException {
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
