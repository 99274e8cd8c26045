package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code features} tower through the CLI: trained on a synthetic dataset with item features,
 * evaluated, then served by {@code recommend} (ONNX Runtime over the feature inputs) and {@code
 * embed}.
 */
final class TestFeaturesTowerEndToEnd {
  private static final int ITEMS = 150;

  @TempDir Path tmp;

  @Test
  void trainsBeatsRandomAndServes() throws IOException {
    CliRun r =
        train(
            "features",
            "model.tower=features",
            "data.item-features=true",
            "model.embedding-dim=16",
            "model.hidden=[32]");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path run = tmp.resolve("runs").resolve("features");
    JsonNode summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
    double recall = summary.at("/model/recall@20").asDouble();
    assertThat(recall).as(summary.toString()).isGreaterThan(1.5 * 20.0 / ITEMS);

    CliRun rec = CliRun.of(List.of("recommend", run.toString(), "--user", "3", "-k", "5"));
    assertThat(rec.exitCode()).as(rec.err()).isZero();
    assertThat(rec.out().strip()).matches("3\t(\\d+:-?\\d+\\.\\d{6},){4}\\d+:-?\\d+\\.\\d{6}");

    Path out = tmp.resolve("emb");
    CliRun embed = CliRun.of(List.of("embed", run.toString(), "--out", out.toString()));
    assertThat(embed.exitCode()).as(embed.err()).isZero();
  }

  @Test
  void datasetWithoutItemFeaturesIsAConfigError() {
    CliRun r = train("plain", "model.tower=features");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err()).contains("model.tower").contains("item-features: true");
  }

  private CliRun train(String name, String... sets) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "run.dir=" + tmp.resolve("runs"),
                "run.name=" + name,
                "training.epochs=4",
                "model.dim=16",
                "data.users=300",
                "data.items=" + ITEMS,
                "data.interactions-per-user=12"));
    all.addAll(List.of(sets));
    List<String> args = new ArrayList<>(List.of("train"));
    for (String s : all) {
      args.add("--set");
      args.add(s);
    }
    return CliRun.of(args);
  }
}
