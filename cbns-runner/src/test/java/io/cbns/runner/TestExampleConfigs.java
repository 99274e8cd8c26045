package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.runner.config.ConfigLoader;
import io.cbns.runner.config.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

final class TestExampleConfigs {
  @Test
  void everyExampleConfigParses() throws IOException {
    Path dir = Path.of("..", "examples", "configs");
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).toList();
    }
    assertThat(files).isNotEmpty();
    for (Path f : files) {
      RunConfig cfg = RunConfig.parse(ConfigLoader.load(f, List.of()), List.of("drift"));
      assertThat(cfg.data().name()).as(f.toString()).isEqualTo("lightgcn");
    }
  }

  @Test
  void everyGowallaRowParsesOnTheBase() throws IOException {
    // the rows of docs/RESULTS.md: examples/gowalla/ROW.yaml layered on base.yaml (best-* files
    // are whole configurations, layered the same way they still parse)
    Path dir = Path.of("..", "examples", "gowalla");
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files =
          s.filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("base.yaml"))
              .sorted()
              .toList();
    }
    assertThat(files).hasSizeGreaterThan(10);
    for (Path f : files) {
      RunConfig cfg =
          RunConfig.parse(
              ConfigLoader.load(List.of(dir.resolve("base.yaml"), f), List.of()), List.of("drift"));
      assertThat(cfg.data().name()).as(f.toString()).isEqualTo("lightgcn");
    }
  }
}
