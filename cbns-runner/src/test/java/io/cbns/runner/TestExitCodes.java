package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One rule for exit codes, the table of docs/commands.md: 2 for anything wrong in the command line
 * or in a configuration (found before anything is written), 1 for a command that could not do its
 * work. Each case below is one of the table's examples.
 */
final class TestExitCodes {
  private static final Path DOC = Path.of("..", "docs", "commands.md");

  @TempDir Path tmp;

  private CliRun run(String... args) {
    return CliRun.of(List.of(args));
  }

  @Test
  void usageAndConfigurationErrorsExitWithTwo() throws IOException {
    Path badYaml = tmp.resolve("bad.yaml");
    Files.writeString(badYaml, "training:\n  epochs: [3\n");
    Path csv = tmp.resolve("r.csv");
    Files.writeString(csv, "1,2\n");
    List<List<String>> cases =
        List.of(
            List.of("nonsense"), // unknown command
            List.of("train", "--no-such-option"),
            List.of("train", "--config"), // option without its value
            List.of("train", "--config", tmp.resolve("missing.yaml").toString()),
            List.of("train", "--config", badYaml.toString()),
            List.of("train", "--set", "training.epochs"), // --set without =VALUE
            List.of("train", "--set", "training.epoch=3"), // unknown key
            List.of("train", "--set", "training.epochs=-1"), // bad value
            List.of("train", "--set", "sampler.name=nope"), // unknown plugin
            List.of("import", "parquet", "--out", tmp.resolve("o").toString()),
            List.of("import", "delimited", "--out", tmp.resolve("o").toString()), // no path
            List.of(
                "import",
                "delimited",
                "--set",
                "path=" + csv,
                "--set",
                "speed=9",
                "--out",
                tmp.resolve("o").toString()),
            List.of("recommend", tmp.toString(), "-u", "1", "-k", "0"),
            List.of("serve", tmp.toString(), "--port", "70000"),
            List.of("index", tmp.toString(), "--m", "1"));
    for (List<String> args : cases) {
      CliRun r = CliRun.of(args);
      assertThat(r.exitCode()).as("cbns %s: %s", String.join(" ", args), r.err()).isEqualTo(2);
      assertThat(r.err()).as("cbns %s", String.join(" ", args)).isNotBlank();
      assertThat(tmp.resolve("o")).doesNotExist();
    }
  }

  @Test
  void aCommandThatCannotDoItsWorkExitsWithOne() throws IOException {
    Path bad = tmp.resolve("bad.csv");
    Files.writeString(bad, "1,2\n2\n");
    Path notARun = Files.createDirectories(tmp.resolve("not-a-run"));
    List<List<String>> cases =
        List.of(
            List.of("import", "delimited", "--set", "path=" + bad, "--out", tmp + "/o"),
            List.of("recommend", notARun.toString(), "-u", "1"),
            List.of("export-onnx", tmp.resolve("no-such-run").toString()),
            List.of("report", notARun.toString()),
            List.of("train", "--resume", notARun.toString()));
    for (List<String> args : cases) {
      CliRun r = CliRun.of(args);
      assertThat(r.exitCode()).as("cbns %s: %s", String.join(" ", args), r.err()).isEqualTo(1);
      assertThat(r.err()).startsWith("error: ");
    }
  }

  @Test
  void theTableDocumentsEveryCode() throws IOException {
    String doc = Files.readString(DOC);
    Matcher section = Pattern.compile("(?s)## Exit codes\\n(.*?)\\n## ").matcher(doc);
    assertThat(section.find()).as("an '## Exit codes' section in %s", DOC).isTrue();
    List<String> codes = new ArrayList<>();
    for (String line : section.group(1).split("\\n")) {
      Matcher row = Pattern.compile("^\\| `(\\d+)` \\|").matcher(line);
      if (row.find()) {
        codes.add(row.group(1));
      }
    }
    assertThat(codes).containsExactly("0", "1", "2", "130", "143");
  }
}
