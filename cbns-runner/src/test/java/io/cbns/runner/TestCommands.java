package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

final class TestCommands {
  @Test
  void everyCommandHasHelp() {
    for (String cmd :
        List.of(
            "train",
            "import",
            "plugins",
            "drift",
            "report",
            "compare",
            "export-onnx",
            "embed",
            "recommend")) {
      CliRun r = CliRun.of(List.of(cmd, "--help"));
      assertThat(r.exitCode()).as(cmd).isZero();
      assertThat(r.out()).as(cmd).contains("Usage: cbns " + cmd);
    }
    assertThat(CliRun.of(List.of("--help")).out()).contains("train").contains("plugins");
  }

  @Test
  void pluginsListsEveryBuiltInFactoryByKind() {
    CliRun r = CliRun.of(List.of("plugins"));
    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains("samplers (sampler.name)")
        .contains("in-batch")
        .contains("cross-batch")
        .contains("towers (model.tower)")
        .contains("mf")
        .contains("dataset sources (data.source)")
        .contains("synthetic")
        .contains("frequency estimators (frequency.name)")
        .contains("counts")
        .contains("listeners (each reads the section of its name)")
        .contains("drift");
  }
}
