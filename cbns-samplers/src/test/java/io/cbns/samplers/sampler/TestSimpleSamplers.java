package io.cbns.samplers.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.loss.SampledSoftmaxLoss;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import io.cbns.samplers.TestingItemTable;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

final class TestSimpleSamplers {
  private static final int D = 4;
  private static final int ITEMS = 30;
  private static final FrequencyEstimator FREQ = TestingItemTable.distinctLogQ();
  private static final long[] BATCH = {3, 7, 7, 12, 20};

  @Test
  void inBatchWrapsTheBatchArrays() {
    try (NDManager m = NDManager.newBaseManager()) {
      TestingItemTable items = TestingItemTable.random(m, ITEMS, D, 1);
      StepBatch b = TestingItemTable.batch(m, BATCH, FREQ);
      NDArray v = items.encoder().encode(b.itemIds());
      Candidates c = new InBatchSampler().candidates(items.context(0, m, FREQ), b, v);
      assertThat(c.embeddings()).isSameAs(v);
      assertThat(c.logQ()).isSameAs(b.itemLogQ());
      assertThat(c.itemIds()).isSameAs(b.itemIds());
      assertThat(c.batchNegatives()).isTrue();
    }
  }

  @Test
  void mixedWithoutNegativesIsInBatch() {
    try (NDManager m = NDManager.newBaseManager()) {
      TestingItemTable items = TestingItemTable.random(m, ITEMS, D, 1);
      StepBatch b = TestingItemTable.batch(m, BATCH, FREQ);
      StepContext ctx = items.context(0, m, FREQ);
      NDArray u = TestingItemTable.randomMatrix(m, BATCH.length, D, 2);
      NDArray v = items.encoder().encode(b.itemIds());
      SampledSoftmaxLoss loss = new SampledSoftmaxLoss(new LossConfig(0.2, true, true));
      float mixed =
          loss.compute(u, new MixedSampler(ITEMS, 0, 1).candidates(ctx, b, v), b.itemIds())
              .getFloat();
      float inBatch =
          loss.compute(u, new InBatchSampler().candidates(ctx, b, v), b.itemIds()).getFloat();
      assertThat(mixed).isEqualTo(inBatch);
    }
  }

  @Test
  void uniformLogQChangesNothingInBatch() {
    FrequencyEstimator uniform = TestingItemTable.constantLogQ((float) -Math.log(ITEMS));
    try (NDManager m = NDManager.newBaseManager()) {
      TestingItemTable items = TestingItemTable.random(m, ITEMS, D, 1);
      StepBatch b = TestingItemTable.batch(m, BATCH, uniform);
      NDArray u = TestingItemTable.randomMatrix(m, BATCH.length, D, 2);
      NDArray v = items.encoder().encode(b.itemIds());
      Candidates c = new InBatchSampler().candidates(items.context(0, m, uniform), b, v);
      float on =
          new SampledSoftmaxLoss(new LossConfig(1, true, true))
              .compute(u, c, b.itemIds())
              .getFloat();
      float off =
          new SampledSoftmaxLoss(new LossConfig(1, false, true))
              .compute(u, c, b.itemIds())
              .getFloat();
      assertThat(on).isCloseTo(off, within(1e-5f));
      // and a non-uniform q does change it
      StepBatch skewed = TestingItemTable.batch(m, BATCH, FREQ);
      Candidates c2 = new InBatchSampler().candidates(items.context(0, m, FREQ), skewed, v);
      float skewedOn =
          new SampledSoftmaxLoss(new LossConfig(1, true, true))
              .compute(u, c2, b.itemIds())
              .getFloat();
      assertThat(skewedOn).isNotCloseTo(off, within(1e-3f));
    }
  }

  @Test
  void uniformCandidatesAndLoss() {
    int n = 6;
    try (NDManager m = NDManager.newBaseManager()) {
      TestingItemTable items = TestingItemTable.random(m, ITEMS, D, 1);
      StepBatch b = TestingItemTable.batch(m, BATCH, FREQ);
      NDArray u = TestingItemTable.randomMatrix(m, BATCH.length, D, 2);
      Candidates c = candidates(new UniformSampler(ITEMS, n, 11), items, b, m);
      assertThat(c.size()).isEqualTo(BATCH.length + n);
      assertThat(c.batchNegatives()).isFalse();
      long[] ids = c.itemIds().toLongArray();
      float[] logQ = c.logQ().toFloatArray();
      // every column carries the uniform proposal's log q, the positives' too (not the batch's
      // unigram log q, which the batch here does not have: FREQ is skewed)
      assertThat(b.itemLogQ().toFloatArray()).doesNotContain((float) -Math.log(ITEMS));
      for (int j = 0; j < ids.length; j++) {
        if (j < BATCH.length) {
          assertThat(ids[j]).isEqualTo(BATCH[j]);
        } else {
          assertThat(ids[j]).isBetween(0L, ITEMS - 1L);
        }
        assertThat(logQ[j]).as("column %d", j).isEqualTo((float) -Math.log(ITEMS));
      }
      // the drawn columns are the item tower's encodings of the drawn ids
      assertThat(c.embeddings().toFloatArray())
          .containsExactly(items.encode(m, ids).toFloatArray());

      // each row's softmax: its own positive and the drawn items, never the other positives
      float[] expected =
          manualUniformLoss(u.toFloatArray(), c.embeddings().toFloatArray(), ids, logQ);
      float[] actual =
          new SampledSoftmaxLoss(new LossConfig(1, true, true))
              .perRow(u, c, b.itemIds())
              .toFloatArray();
      for (int i = 0; i < expected.length; i++) {
        assertThat(actual[i]).as("row %d", i).isCloseTo(expected[i], within(1e-4f));
      }
    }
  }

  /** -log softmax over {positive i} + drawn columns, logQ-corrected, hits among draws removed. */
  private static float[] manualUniformLoss(float[] u, float[] cand, long[] ids, float[] logQ) {
    int b = BATCH.length;
    float[] out = new float[b];
    for (int i = 0; i < b; i++) {
      double pos = dot(u, i, cand, i) - logQ[i];
      double max = pos;
      double[] logits = new double[ids.length];
      for (int j = b; j < ids.length; j++) {
        logits[j] = ids[j] == BATCH[i] ? Double.NEGATIVE_INFINITY : dot(u, i, cand, j) - logQ[j];
        max = Math.max(max, logits[j]);
      }
      double sum = Math.exp(pos - max);
      for (int j = b; j < ids.length; j++) {
        sum += Math.exp(logits[j] - max);
      }
      out[i] = (float) (Math.log(sum) + max - pos);
    }
    return out;
  }

  private static double dot(float[] u, int i, float[] c, int j) {
    double s = 0;
    for (int k = 0; k < D; k++) {
      s += u[i * D + k] * c[j * D + k];
    }
    return s;
  }

  @Test
  void uniformDrawsAreSeededAndCarryGradient() {
    try (NDManager m = NDManager.newBaseManager()) {
      TestingItemTable items = TestingItemTable.random(m, ITEMS, D, 1);
      StepBatch b = TestingItemTable.batch(m, BATCH, FREQ);
      long[] first = drawn(new UniformSampler(ITEMS, 8, 5), items, b, m);
      assertThat(drawn(new UniformSampler(ITEMS, 8, 5), items, b, m)).containsExactly(first);
      assertThat(drawn(new UniformSampler(ITEMS, 8, 6), items, b, m)).isNotEqualTo(first);

      NDArray u = TestingItemTable.randomMatrix(m, BATCH.length, D, 2);
      Candidates c;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray v = items.encoder().encode(b.itemIds());
        c = new UniformSampler(ITEMS, 8, 5).candidates(items.context(0, m, FREQ), b, v);
        gc.backward(new SampledSoftmaxLoss(LossConfig.defaults()).compute(u, c, b.itemIds()));
      }
      float[] grad = items.gradient();
      long drawnRow = c.itemIds().toLongArray()[BATCH.length];
      double norm = 0;
      for (int k = 0; k < D; k++) {
        norm += Math.abs(grad[(int) drawnRow * D + k]);
      }
      assertThat(norm).isGreaterThan(0);
    }
  }

  private static long[] drawn(UniformSampler s, TestingItemTable items, StepBatch b, NDManager m) {
    long[] ids = candidates(s, items, b, m).itemIds().toLongArray();
    return Arrays.copyOfRange(ids, BATCH.length, ids.length);
  }

  /** The sampler's candidates for batch {@code b} at step 0, under {@link #FREQ}. */
  private static Candidates candidates(
      NegativeSampler s, TestingItemTable items, StepBatch b, NDManager m) {
    NDArray v = items.encoder().encode(b.itemIds());
    return s.candidates(items.context(0, m, FREQ), b, v);
  }

  @Test
  void mixedLogQIsThatOfTheMixture() {
    int n = 7;
    try (NDManager m = NDManager.newBaseManager()) {
      TestingItemTable items = TestingItemTable.random(m, ITEMS, D, 1);
      StepBatch b = TestingItemTable.batch(m, BATCH, FREQ);
      Candidates c = candidates(new MixedSampler(ITEMS, n, 3), items, b, m);
      assertThat(c.size()).isEqualTo(BATCH.length + n);
      assertThat(c.batchNegatives()).isTrue();
      long[] ids = c.itemIds().toLongArray();
      float[] logQ = c.logQ().toFloatArray();
      float[] q = new float[ids.length];
      FREQ.logQ(ids, q);
      double bSize = BATCH.length;
      for (int j = 0; j < ids.length; j++) {
        double mix = (bSize * Math.exp(q[j]) + (double) n / ITEMS) / (bSize + n);
        assertThat((double) logQ[j]).as("column %d", j).isCloseTo(Math.log(mix), within(1e-5));
      }
      assertThat(Arrays.copyOf(ids, BATCH.length)).containsExactly(BATCH);
    }
  }
}
