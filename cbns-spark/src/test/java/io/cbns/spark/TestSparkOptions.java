package io.cbns.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestSparkOptions {
  @Test
  void aLocalMastersThreadsSizeItsShufflePartitions() {
    assertThat(SparkMain.SparkOptions.localCores("local")).isEqualTo(1);
    assertThat(SparkMain.SparkOptions.localCores("local[2]")).isEqualTo(2);
    assertThat(SparkMain.SparkOptions.localCores("local[3,2]")).isEqualTo(3);
    assertThat(SparkMain.SparkOptions.localCores("local[*]"))
        .isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(SparkMain.SparkOptions.localCores("local-cluster[2,1,1024]")).isEqualTo(1);
  }

  @Test
  void aSplitOfAPreSplitLogIsRefusedBeforeSparkStarts(@TempDir Path tmp) throws IOException {
    Path train = Files.writeString(tmp.resolve("train.csv"), "u1,1\n");
    Path test = Files.writeString(tmp.resolve("test.csv"), "u1,2\n");
    Path out = tmp.resolve("out");
    assertThat(
            refused(
                "import",
                train.toString(),
                out.toString(),
                "--test-input",
                test.toString(),
                "--split",
                "leave-last-out"))
        .contains("with --test-input the test split is given");
    assertThat(out).doesNotExist();
  }

  @Test
  void anUnknownIdMappingIsRefusedBeforeSparkStarts(@TempDir Path tmp) throws IOException {
    Path log = Files.writeString(tmp.resolve("log.csv"), "1,1\n1,2\n");
    Path out = tmp.resolve("out");
    assertThat(refused("import", log.toString(), out.toString(), "--id-mapping", "sparse"))
        .contains("--id-mapping must be one of [dense, identity], got sparse");
    assertThat(out).doesNotExist();
  }

  /** Runs the CLI with {@code args}, expects exit code 1, and returns what it printed on stderr. */
  private static String refused(String... args) {
    PrintStream err = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = SparkMain.run(args);
    } finally {
      System.setErr(err);
    }
    assertThat(code).isEqualTo(1);
    return printed.toString(StandardCharsets.UTF_8);
  }
}
