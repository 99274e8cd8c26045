package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestTrainCommand {
  @TempDir Path tmp;

  @Test
  void trainsOnTinySyntheticDataFarAboveMostPopularAndRandom() throws IOException {
    int items = 400;
    CliRun r =
        CliRun.of(
            List.of(
                "train",
                "--set",
                "run.dir=" + tmp,
                "--set",
                "run.name=e2e",
                "--set",
                "data.users=600",
                "--set",
                "data.items=" + items,
                // sharp user affinities, mild popularity skew: personalisation must win clearly
                "--set",
                "data.zipf-exponent=0.5",
                "--set",
                "data.affinity-temperature=0.05",
                "--set",
                "model.dim=32",
                "--set",
                "optimizer.learning-rate=0.005",
                "--set",
                "training.epochs=10",
                "--set",
                "training.batch-size=256",
                "--set",
                "training.evaluate-every=5"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path run = tmp.resolve("e2e");
    for (String f :
        List.of("config.yaml", "run.json", "metrics.jsonl", "epochs.jsonl", "model.params")) {
      assertThat(run.resolve(f)).isNotEmptyFile();
    }
    JsonNode summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
    double model = summary.at("/model/recall@20").asDouble();
    double popular = summary.at("/most_popular/recall@20").asDouble();
    double random = 20.0 / items;
    assertThat(model).as(r.out()).isGreaterThan(3 * popular).isGreaterThan(3 * random);
    assertThat(Files.readAllLines(run.resolve("metrics.jsonl"))).hasSize(2);
    assertThat(Files.readAllLines(run.resolve("epochs.jsonl"))).hasSize(10);
    assertThat(r.out()).contains("Recall@20").contains("most popular");
    // the resolved config holds the defaults, and training it again is possible from it
    assertThat(Files.readString(run.resolve("config.yaml")))
        .contains("temperature: 0.1")
        .contains("name: in-batch");
  }

  @Test
  void masksKnownPositivesWithABankAndAValidationSplit() throws IOException {
    // the CLI wiring of the users' known positives, with a bank and a validation split: the run
    // trains, learns and records the key (what is masked is TestSampledSoftmaxLoss's subject)
    CliRun r =
        CliRun.of(
            List.of(
                "train",
                "--set",
                "run.dir=" + tmp,
                "--set",
                "run.name=known",
                "--set",
                "data.users=300",
                "--set",
                "data.items=200",
                "--set",
                "data.validation-ratio=0.2",
                "--set",
                "loss.mask-known-positives=true",
                "--set",
                "sampler.name=cross-batch",
                "--set",
                "sampler.mode=ids",
                "--set",
                "sampler.bank-size=256",
                "--set",
                "training.epochs=3",
                "--set",
                "training.batch-size=128"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path run = tmp.resolve("known");
    assertThat(Files.readString(run.resolve("config.yaml"))).contains("mask-known-positives: true");
    JsonNode summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
    assertThat(summary.at("/model/recall@20").asDouble())
        .as(r.out())
        .isGreaterThan(summary.at("/most_popular/recall@20").asDouble());
  }

  @Test
  void trainsRawTowersWithCosineScores() throws IOException {
    // the CLI wiring of loss.cosine on towers that do not normalise: the run trains, learns and
    // records the key (the step's normalisation, and raw towers after it, are
    // TestDataParallelStep's subject)
    CliRun r =
        CliRun.of(
            List.of(
                "train",
                "--set",
                "run.dir=" + tmp,
                "--set",
                "run.name=cosine",
                "--set",
                "data.users=300",
                "--set",
                "data.items=200",
                "--set",
                "model.tower=lightgcn",
                "--set",
                "model.normalize=false",
                "--set",
                "loss.cosine=true",
                "--set",
                "loss.temperature=0.2",
                "--set",
                "optimizer.name=adam",
                "--set",
                "optimizer.sparse-gradients=false",
                "--set",
                "training.epochs=3",
                "--set",
                "training.batch-size=128"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path run = tmp.resolve("cosine");
    assertThat(Files.readString(run.resolve("config.yaml"))).contains("cosine: true");
    JsonNode summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
    assertThat(summary.at("/model/recall@20").asDouble())
        .as(r.out())
        .isGreaterThan(summary.at("/most_popular/recall@20").asDouble());
  }

  @Test
  void runJsonAndTheOnnxMetadataSayWhichBankAndWarmUpAutoChose() throws IOException {
    for (String tower : List.of("mf", "lightgcn")) {
      CliRun r =
          CliRun.of(
              List.of(
                  "train",
                  "--set",
                  "run.dir=" + tmp,
                  "--set",
                  "run.name=auto-" + tower,
                  "--set",
                  "data.users=60",
                  "--set",
                  "data.items=40",
                  "--set",
                  "data.interactions-per-user=10",
                  "--set",
                  "model.tower=" + tower,
                  "--set",
                  "model.dim=8",
                  "--set",
                  "sampler.name=cross-batch",
                  "--set",
                  "sampler.bank-size=64",
                  "--set",
                  "training.epochs=1",
                  "--set",
                  "training.batch-size=32"));
      assertThat(r.exitCode()).as(r.err()).isZero();
      Path run = tmp.resolve("auto-" + tower);
      JsonNode effective =
          new ObjectMapper().readTree(run.resolve("run.json").toFile()).at("/effective/sampler");
      // id tables are cheap to encode again; lightgcn's propagated vectors are not
      boolean ids = tower.equals("mf");
      assertThat(effective.path("mode").asText()).isEqualTo(ids ? "ids" : "embeddings");
      assertThat(effective.path("warmup-steps").asText()).isEqualTo(ids ? "0" : "drift");
      assertThat(effective.path("bank-size").asText()).isEqualTo("64");
      // config.yaml keeps what the user asked for, so that a rerun resolves auto again
      assertThat(Files.readString(run.resolve("config.yaml"))).contains("mode: auto");
      // and a served model tells the same from its metadata
      CliRun export = CliRun.of(List.of("export-onnx", run.toString()));
      assertThat(export.exitCode()).as(export.err()).isZero();
      for (String part : List.of("user", "item")) {
        Map<String, String> meta = new HashMap<>();
        OnnxMl.ModelProto.parseFrom(Files.readAllBytes(run.resolve("onnx/" + part + "_tower.onnx")))
            .getMetadataPropsList()
            .forEach(p -> meta.put(p.getKey(), p.getValue()));
        assertThat(meta)
            .containsEntry("cbns.effective.sampler.mode", ids ? "ids" : "embeddings")
            .containsEntry("cbns.effective.sampler.warmup-steps", ids ? "0" : "drift")
            .containsEntry("cbns.config.sampler.mode", "auto");
      }
    }
  }

  @Test
  void existingRunNameIsRefusedWithoutTouchingIt() throws IOException {
    Path run = Files.createDirectories(tmp.resolve("taken"));
    Files.writeString(run.resolve("keep.txt"), "x");
    CliRun r =
        CliRun.of(
            List.of(
                "train",
                "--set",
                "run.dir=" + tmp,
                "--set",
                "run.name=taken",
                "--set",
                "data.users=60",
                "--set",
                "data.items=40"));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("run.name: run directory").contains("already exists");
    try (var files = Files.list(run)) {
      assertThat(files).hasSize(1);
    }
  }
}
