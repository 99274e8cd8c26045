package io.cbns.data.arrow.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cbns.core.config.Options;
import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.TestData;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Imports the reference Gowalla split and checks the counts its README states. */
final class TestGowallaImport {
  @Test
  void importsGowallaWithTheReadmeCounts(@TempDir Path tmp) {
    Optional<Path> gowalla = TestData.gowalla();
    assumeTrue(
        gowalla.isPresent(),
        "shared/data/gowalla not found above " + Path.of("").toAbsolutePath() + "; skipped");
    Path out = tmp.resolve("gowalla");
    ImportReport report =
        DatasetImporter.run(
            "lightgcn", Options.of("import", Map.of("path", gowalla.get().toString())), out);

    assertThat(report.numUsers()).isEqualTo(29_858);
    assertThat(report.numItems()).isEqualTo(40_981);
    assertThat(report.trainInteractions()).isEqualTo(810_128);
    assertThat(report.testInteractions()).isEqualTo(217_242);
    assertThat(report.duplicates()).isZero();
    assertThat(report.trainTestOverlap()).isZero();
    assertThat(report.unseenDropped()).isZero();
    assertThat(report.summary()).contains("29,858 users", "810,128");

    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(out)) {
      assertThat(ds.info().numTrain()).isEqualTo(810_128);
      assertThat(ds.info().numTest()).isEqualTo(217_242);
      assertThat(ds.trainByUser().nonEmptyRows()).isEqualTo(29_858);
      assertThat(ds.testByUser().nonEmptyRows()).isEqualTo(29_858);
      assertThat(ds.info().fingerprint()).isEqualTo(report.fingerprint());
      long total = 0;
      for (long c : ds.itemTrainCounts()) {
        total += c;
      }
      assertThat(total).isEqualTo(810_128);
      // user 0's first train items per the file: 0 1 2 ...
      assertThat(ds.trainByUser().contains(0, 0)).isTrue();
      long rows = 0;
      try (BatchIterator it = ds.trainBatches(new BatchSpec(1024, false, 1, 2), 0)) {
        while (it.hasNext()) {
          rows += it.next().size();
        }
      }
      assertThat(rows).isEqualTo(810_128);
    }
  }
}
