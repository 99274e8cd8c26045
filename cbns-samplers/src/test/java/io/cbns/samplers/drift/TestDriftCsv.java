package io.cbns.samplers.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestDriftCsv {
  @TempDir Path dir;

  @Test
  void roundTripsAndIgnoresAnUnfinishedLastLine() throws Exception {
    DriftRecord a = new DriftRecord(10, 10, 1.5, 0.25);
    DriftRecord b = new DriftRecord(20, 50, 1e-9, 3.0e-12);
    Path file = dir.resolve("drift.csv");
    Files.writeString(
        file,
        DriftCsv.HEADER + "\n" + DriftCsv.format(a) + "\n" + DriftCsv.format(b) + "\n30,10,0.");
    assertThat(DriftCsv.read(file)).containsExactly(a, b);
  }

  @Test
  void namesTheLineOfAMalformedRecord() throws Exception {
    Path file = dir.resolve("drift.csv");
    Files.writeString(file, DriftCsv.HEADER + "\n10,10,1.0,0.1\n20,x,1.0,0.1\n");
    assertThatThrownBy(() -> DriftCsv.read(file))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("drift.csv:3");
    Files.writeString(file, "step,loss\n1,2\n");
    assertThatThrownBy(() -> DriftCsv.read(file))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("drift.csv:1");
  }
}
