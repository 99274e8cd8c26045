package io.cbns.samplers.frequency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

final class TestCountsFrequencyEstimator {
  @Test
  void qIsTheShareOfTrainInteractions() {
    CountsFrequencyEstimator f = new CountsFrequencyEstimator(new long[] {6, 3, 0, 1});
    float[] out = new float[6];
    f.logQ(new long[] {0, 1, 2, 3, -1, 99}, out);
    assertThat((double) out[0]).isCloseTo(Math.log(0.6), within(1e-6));
    assertThat((double) out[1]).isCloseTo(Math.log(0.3), within(1e-6));
    assertThat((double) out[3]).isCloseTo(Math.log(0.1), within(1e-6));
    // a zero count and unknown ids get the smallest nonzero q: finite
    assertThat(out[2]).isEqualTo(out[3]);
    assertThat(out[4]).isEqualTo(out[3]);
    assertThat(out[5]).isEqualTo(out[3]);
    assertThat(f.numItems()).isEqualTo(4);
  }

  @Test
  void allZeroCountsGiveUniformQ() {
    float[] out = new float[2];
    new CountsFrequencyEstimator(new long[] {0, 0, 0, 0}).logQ(new long[] {0, 3}, out);
    assertThat((double) out[0]).isCloseTo(Math.log(0.25), within(1e-6));
    assertThat(out[1]).isEqualTo(out[0]);
  }

  @Test
  void rejectsNegativeCounts() {
    assertThatThrownBy(() -> new CountsFrequencyEstimator(new long[] {1, -1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("itemTrainCounts[1]");
  }
}
