package io.cbns.samplers.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

final class TestDriftTracker {
  /** Two probe items in 2-d: row 0 = (3 + t, 4), row 1 = (0, 2 + 2t) at measurement t. */
  private static float[] snapshot(int t) {
    return new float[] {3 + t, 4, 0, 2 + 2 * t};
  }

  @Test
  void measuresEveryLagWithASnapshotThatFarBack() {
    DriftTracker tracker = new DriftTracker(List.of(3, 1, 3));
    assertThat(tracker.lags()).containsExactly(1, 3);
    assertThat(tracker.record(snapshot(0), 2)).isEmpty();
    List<DriftMeasurement> one = tracker.record(snapshot(1), 2);
    assertThat(one).hasSize(1);
    assertThat(one.get(0).lag()).isEqualTo(1);
    // ||(1, 0)|| + ||(0, 2)|| = 3
    assertThat(one.get(0).drift()).isCloseTo(3.0, within(1e-9));
    // (1 / ||(4, 4)|| + 2 / ||(0, 4)||) / 2
    assertThat(one.get(0).meanRelativeDrift())
        .isCloseTo((1 / Math.sqrt(32) + 2 / 4.0) / 2, within(1e-9));
    tracker.record(snapshot(2), 2);
    List<DriftMeasurement> three = tracker.record(snapshot(3), 2);
    assertThat(three).extracting(DriftMeasurement::lag).containsExactly(1, 3);
    assertThat(three.get(1).drift()).isCloseTo(3 + 6, within(1e-9));
    assertThat(tracker.snapshotsHeld()).isEqualTo(3);
    for (int t = 4; t < 20; t++) {
      List<DriftMeasurement> d = tracker.record(snapshot(t), 2);
      assertThat(d.get(1).drift()).isCloseTo(9.0, within(1e-6));
    }
    assertThat(tracker.snapshotsHeld()).isEqualTo(3);
    assertThat(tracker.measurements()).isEqualTo(20);
  }

  @Test
  void rejectsAChangedProbeShape() {
    DriftTracker tracker = new DriftTracker(List.of(1));
    tracker.record(new float[6], 2);
    assertThatThrownBy(() -> tracker.record(new float[6], 3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DriftTracker(List.of(0)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void uniformProbeSetsAreSeededDistinctAndBounded() {
    long[] a = ProbeSets.uniform(1_000_000, 50, 7);
    assertThat(a).hasSize(50).doesNotHaveDuplicates().isSorted();
    assertThat(a[49]).isLessThan(1_000_000);
    assertThat(ProbeSets.uniform(1_000_000, 50, 7)).containsExactly(a);
    assertThat(ProbeSets.uniform(1_000_000, 50, 8)).isNotEqualTo(a);
    assertThat(ProbeSets.uniform(5, 50, 7)).containsExactly(0, 1, 2, 3, 4);
  }
}
