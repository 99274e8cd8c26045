package io.cbns.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestFloorRun {
  @Test
  void measuresEveryRowOnTinyShapes() {
    FloorRun.Settings s =
        FloorRun.Settings.parse(
            new String[] {
              "--batch", "16", "--bank", "32", "--dim", "8", "--users", "50", "--items", "70",
              "--chunk", "20", "--k", "5", "--reps", "3"
            });
    Map<String, Object> floors = FloorRun.measure(s);
    for (String row :
        new String[] {
          "in_batch_ms", "cross_batch_embeddings_ms", "cross_batch_ids_ms", "evaluation_s"
        }) {
      assertThat((Double) floors.get(row)).as(row).isPositive();
    }
  }

  @Test
  void rejectsUnknownAndNonPositiveOptions() {
    assertThatThrownBy(() -> FloorRun.Settings.parse(new String[] {"--bogus", "1"}))
        .hasMessageContaining("--bogus");
    assertThatThrownBy(() -> FloorRun.Settings.parse(new String[] {"--batch", "0"}))
        .hasMessageContaining("--batch needs a positive integer");
  }
}
