package io.cbns.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestRunDirectory {
  @TempDir Path tmp;

  @Test
  void namesEveryFileOfTheLayoutInsideTheRunAndTheCacheBesideIt() {
    Path runs = tmp.resolve("runs");
    RunDirectory run = RunDirectory.of(runs.resolve("r1"));
    assertThat(run.config()).isEqualTo(runs.resolve("r1/config.yaml"));
    assertThat(run.provenance()).isEqualTo(runs.resolve("r1/run.json"));
    assertThat(run.checkpoint()).isEqualTo(runs.resolve("r1/checkpoint.bin"));
    assertThat(run.model()).isEqualTo(runs.resolve("r1/model.params"));
    assertThat(run.summary()).isEqualTo(runs.resolve("r1/summary.json"));
    assertThat(run.itemEmbeddings()).isEqualTo(runs.resolve("r1/embeddings/item_embeddings.arrow"));
    assertThat(run.onnxDir()).isEqualTo(runs.resolve("r1/onnx"));
    assertThat(run.indexDir()).isEqualTo(runs.resolve("r1/index"));
    // the dataset cache is shared by the runs of one runs folder
    assertThat(run.datasetCache()).isEqualTo(RunDirectory.cacheOf(runs).toAbsolutePath());
  }

  @Test
  void aRunIsCompletedOnceItsSummaryIsWrittenAndItsCheckpointDeleted() throws IOException {
    RunDirectory run = RunDirectory.of(Files.createDirectories(tmp.resolve("r")));
    assertThat(run.completed()).isFalse();
    Files.writeString(run.checkpoint(), "c");
    Files.writeString(run.summary(), "{}");
    assertThat(run.completed()).isFalse(); // written, but training has not cleaned up yet
    Files.delete(run.checkpoint());
    assertThat(run.completed()).isTrue();
  }
}
