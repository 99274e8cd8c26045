package io.cbns.samplers.frequency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

final class TestStreamingFrequencyEstimator {
  @Test
  void convergesToTheTrueFrequenciesOfAZipfStream() {
    int items = 200;
    int batch = 128;
    double[] p = zipf(items, 1.0);
    double[] cdf = cumulative(p);
    StreamingFrequencyEstimator f = new StreamingFrequencyEstimator(items, batch, 1 << 16, 2, 0.01);
    SplittableRandom r = new SplittableRandom(42);
    for (int step = 0; step < 6000; step++) {
      long[] ids = new long[batch];
      for (int i = 0; i < batch; i++) {
        ids[i] = draw(cdf, r.nextDouble());
      }
      f.observe(step, ids);
    }
    long[] all = new long[items];
    for (int i = 0; i < items; i++) {
      all[i] = i;
    }
    float[] logQ = new float[items];
    f.logQ(all, logQ);
    double sumAbsLogError = 0;
    for (int i = 0; i < items; i++) {
      double err = logQ[i] - Math.log(p[i]);
      sumAbsLogError += Math.abs(err);
      // from ~0.2 occurrences per step (rank 200) to ~22 (rank 1)
      assertThat(Math.abs(err)).as("item %d, p %.5f", i, p[i]).isLessThan(0.3);
    }
    assertThat(sumAbsLogError / items).isLessThan(0.08);
  }

  @Test
  void priorIsUniformAndUnknownIdsAreAllowed() {
    StreamingFrequencyEstimator f = new StreamingFrequencyEstimator(1000, 50, 1024, 2, 0.05);
    float[] out = new float[3];
    f.logQ(new long[] {0, 999, 123_456_789_012L}, out);
    for (float x : out) {
      assertThat((double) x).isCloseTo(Math.log(1.0 / 1000), within(1e-6));
    }
    // an id far outside the catalogue is learned like any other
    long big = 123_456_789_012L;
    for (int step = 0; step < 400; step++) {
      f.observe(step, new long[] {big, big, 5});
    }
    assertThat(f.q(big)).isCloseTo(2.0 / 50, within(0.002));
    assertThat(f.q(5)).isCloseTo(1.0 / 50, within(0.001));
  }

  @Test
  void agreesWithCountsOnAStationaryStream() {
    // a fixed pattern repeated: exact counts are known, both estimators must report the same q
    long[] pattern = {0, 0, 0, 1, 1, 2, 3, 3};
    long[] counts = {3, 2, 1, 2};
    StreamingFrequencyEstimator streaming = new StreamingFrequencyEstimator(4, 8, 256, 1, 0.05);
    for (int step = 0; step < 500; step++) {
      streaming.observe(step, pattern);
    }
    float[] s = new float[4];
    float[] c = new float[4];
    long[] ids = {0, 1, 2, 3};
    streaming.logQ(ids, s);
    new CountsFrequencyEstimator(counts).logQ(ids, c);
    for (int i = 0; i < 4; i++) {
      assertThat(s[i]).as("item %d", i).isCloseTo(c[i], within(1e-3f));
    }
  }

  private static double[] zipf(int n, double s) {
    double[] p = new double[n];
    double z = 0;
    for (int i = 0; i < n; i++) {
      p[i] = 1 / Math.pow(i + 1, s);
      z += p[i];
    }
    for (int i = 0; i < n; i++) {
      p[i] /= z;
    }
    return p;
  }

  private static double[] cumulative(double[] p) {
    double[] c = new double[p.length];
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      s += p[i];
      c[i] = s;
    }
    return c;
  }

  private static long draw(double[] cdf, double u) {
    int lo = 0;
    int hi = cdf.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
