package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestConfigErrors {
  @TempDir Path tmp;

  @Test
  void unknownKeyNamesThePathAndTheValidKeys() throws IOException {
    CliRun r = train("training.epoch=3");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("error: config training.epoch: unknown key; valid keys here: batch-size,")
        .contains("epochs");
    assertNoRunDirectory();
  }

  @Test
  void outOfRangeValueNamesThePathAndTheRange() throws IOException {
    CliRun r = train("loss.temperature=0");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("error: config loss.temperature: must be in [0.0001, 100], got 0.0");
    assertNoRunDirectory();
  }

  @Test
  void maskingKnownPositivesWithoutAccidentalHitsNamesTheKeyAndTheFix() throws IOException {
    CliRun r = train("loss.mask-known-positives=true", "loss.mask-accidental-hits=false");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("error: config loss.mask-known-positives: needs mask-accidental-hits: true")
        .contains("or mask-known-positives: false");
    assertNoRunDirectory();
  }

  @Test
  void theRefinedCorrectionWithoutTheFullCorrectionNamesTheKeyAndTheFix() throws IOException {
    CliRun r = train("loss.refined-logq=true", "loss.logq-weight=0.5");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("error: config loss.refined-logq: needs logq-correction: true and logq-weight: 1")
        .contains("or refined-logq: false");
    assertNoRunDirectory();
  }

  @Test
  void recentRepeatsOnADatasetWithoutTimestampsNameTheKeyAndTheFix() throws IOException {
    // the embedded synthetic dataset has no timestamps
    CliRun r = train("training.recent-fraction=0.2");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .contains("training.recent-fraction needs the train interactions' timestamps")
        .contains("line-order: time");
    assertNoRunDirectory();
    CliRun range = train("training.recent-fraction=1");
    assertThat(range.exitCode()).isEqualTo(2);
    assertThat(range.err()).contains("training.recent-fraction: must be in [0, 0.95], got 1");
    CliRun copies = train("training.recent-copies=2");
    assertThat(copies.exitCode()).isEqualTo(2);
    assertThat(copies.err())
        .contains("training.recent-copies: only applies with recent-fraction > 0");
  }

  @Test
  void wrongTypeIsAnError() throws IOException {
    CliRun r = train("training.batch-size=big");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("training.batch-size: expected an integer, got 'big'");
    assertNoRunDirectory();
  }

  @Test
  void unknownPluginNameListsTheChoices() throws IOException {
    CliRun r = train("sampler.name=nope");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("sampler.name: unknown name 'nope'; available:")
        .contains("in-batch")
        .contains("cross-batch");
    assertNoRunDirectory();
  }

  @Test
  void unknownPluginOptionIsCaughtBeforeTheRunDirectoryExists() throws IOException {
    CliRun r =
        train(
            "sampler.bank-sise=3",
            "data.users=60",
            "data.items=40",
            "data.interactions-per-user=10");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("sampler.bank-sise: unknown key");
    assertNoRunDirectory();
  }

  @Test
  void aGpuTheEngineCannotSeeIsAConfigError() throws IOException {
    CliRun r = train("device=gpu:3", "data.users=60", "data.items=40");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("device: asked for gpu:3 but the engine sees").contains("cuda");
    assertNoRunDirectory();
  }

  @Test
  void unknownDeviceNameListsTheChoices() throws IOException {
    CliRun r = train("device=tpu");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("device: unknown value 'tpu'; valid values: auto, cpu, gpu, gpu:N");
    assertNoRunDirectory();
  }

  @Test
  void devicesAreCheckedBeforeTheRunDirectoryExists() throws IOException {
    CliRun both = train("device=cpu", "devices=[cpu,cpu]");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.err()).contains("devices: is set together with device; set one");
    CliRun unknown = train("devices=[cpu,tpu]");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err())
        .contains("devices: unknown entry 'tpu'; valid entries: cpu, gpu, gpu:N, or gpu:all alone");
    CliRun allAndMore = train("devices=[gpu:all,cpu]");
    assertThat(allAndMore.exitCode()).isEqualTo(2);
    assertThat(allAndMore.err()).contains("devices: unknown entry 'gpu:all'");
    CliRun missingGpu = train("devices=[cpu,gpu:1]", "data.users=60", "data.items=40");
    assertThat(missingGpu.exitCode()).isEqualTo(2);
    assertThat(missingGpu.err()).contains("devices: asked for gpu:1 but the engine sees");
    CliRun noGpus = train("devices=gpu:all", "data.users=60", "data.items=40");
    assertThat(noGpus.exitCode()).isEqualTo(2);
    assertThat(noGpus.err()).contains("devices: gpu:all asked for every GPU, but the engine sees");
    assertNoRunDirectory();
  }

  @Test
  void missingConfigFileIsAnError() throws IOException {
    CliRun r = CliRun.of(List.of("train", "--config", tmp.resolve("nope.yaml").toString()));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("config file not found:").contains("nope.yaml");
  }

  @Test
  void malformedYamlNamesTheLine() throws IOException {
    Path f = tmp.resolve("bad.yaml");
    Files.writeString(f, "training:\n  epochs: 3\n   batch-size: [\n");
    CliRun r = CliRun.of(List.of("train", "--config", f.toString()));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("bad.yaml:").contains("not valid YAML");
  }

  private CliRun train(String... sets) {
    List<String> args = new ArrayList<>(List.of("train", "--set", "run.dir=" + tmp));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return CliRun.of(args);
  }

  private void assertNoRunDirectory() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      // only the dataset cache may exist: no run directory was created
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".cache"))).isEmpty();
    }
  }
}
