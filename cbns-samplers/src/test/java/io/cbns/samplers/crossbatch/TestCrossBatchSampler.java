package io.cbns.samplers.crossbatch;

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
import io.cbns.samplers.sampler.InBatchSampler;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

final class TestCrossBatchSampler {
  private static final int D = 4;
  private static final FrequencyEstimator FREQ = TestingItemTable.distinctLogQ();
  private static final SampledSoftmaxLoss LOSS =
      new SampledSoftmaxLoss(new LossConfig(1.0, true, true));

  private static CrossBatchSampler.Builder sampler(NDManager m, int bankSize) {
    return CrossBatchSampler.builder().setManager(m).setDimension(D).optBankSize(bankSize);
  }

  /** One trainer-like step without an optimizer; returns the number of candidate columns. */
  private static long step(
      NDManager root, TestingItemTable items, NegativeSampler sampler, long step, long[] ids) {
    try (NDManager m = root.newSubManager()) {
      StepBatch b = TestingItemTable.batch(m, ids, FREQ);
      StepContext ctx = items.context(step, m, FREQ);
      NDArray v;
      long columns;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray u = TestingItemTable.randomMatrix(m, ids.length, D, step);
        v = items.encoder().encode(b.itemIds());
        Candidates c = sampler.candidates(ctx, b, v);
        columns = c.size();
        gc.backward(LOSS.compute(u, c, b.itemIds()));
      }
      sampler.onStepEnd(ctx, b, v.stopGradient());
      return columns;
    }
  }

  @Test
  void noGradientReachesBankEntries() {
    try (NDManager root = NDManager.newBaseManager();
        CrossBatchSampler sampler = sampler(root, 6).build()) {
      TestingItemTable items = TestingItemTable.random(root, 12, D, 1);
      assertThat(step(root, items, sampler, 0, new long[] {0, 1, 2})).isEqualTo(3);
      items.zeroGradient();
      assertThat(step(root, items, sampler, 1, new long[] {3, 4, 5})).isEqualTo(6);
      float[] grad = items.gradient();
      for (int row = 0; row < 12; row++) {
        double norm = rowNorm(grad, row);
        if (row >= 3 && row <= 5) {
          assertThat(norm).as("batch row %d", row).isGreaterThan(1e-6);
        } else {
          assertThat(norm).as("row %d (bank or unused)", row).isZero();
        }
      }
      assertThat(sampler.bank().embeddingStorage().hasGradient()).isFalse();
    }
  }

  @Test
  void idsModeReencodesBankEntriesWithGradient() {
    try (NDManager root = NDManager.newBaseManager();
        CrossBatchSampler sampler = sampler(root, 6).optMode(BankMode.IDS).build()) {
      TestingItemTable items = TestingItemTable.random(root, 12, D, 1);
      step(root, items, sampler, 0, new long[] {0, 1, 2});
      items.zeroGradient();
      assertThat(step(root, items, sampler, 1, new long[] {3, 4, 5})).isEqualTo(6);
      float[] grad = items.gradient();
      for (int row = 0; row < 6; row++) {
        assertThat(rowNorm(grad, row)).as("row %d", row).isGreaterThan(1e-6);
      }
      assertThat(rowNorm(grad, 7)).isZero();
      assertThat(sampler.bank().storesEmbeddings()).isFalse();
    }
  }

  @Test
  void embeddingsBankHoldsTheStepsDetachedEmbeddings() {
    try (NDManager root = NDManager.newBaseManager();
        CrossBatchSampler sampler = sampler(root, 4).build()) {
      TestingItemTable items = TestingItemTable.random(root, 12, D, 1);
      step(root, items, sampler, 0, new long[] {7, 2, 9});
      try (NDManager m = root.newSubManager()) {
        assertThat(sampler.bank().itemIds(m).toLongArray()).containsExactly(7, 2, 9);
        assertThat(sampler.bank().embeddings(m).toFloatArray())
            .containsExactly(items.encode(m, new long[] {7, 2, 9}).toFloatArray());
        float[] logQ = new float[3];
        FREQ.logQ(new long[] {7, 2, 9}, logQ);
        assertThat(sampler.bank().logQ(m).toFloatArray()).containsExactly(logQ);
      }
    }
  }

  @Test
  void bankSizeZeroIsInBatch() {
    try (NDManager root = NDManager.newBaseManager();
        CrossBatchSampler sampler = sampler(root, 0).build()) {
      TestingItemTable items = TestingItemTable.random(root, 20, D, 2);
      SplittableRandom r = new SplittableRandom(3);
      for (int s = 0; s < 4; s++) {
        long[] ids = r.longs(5, 0, 20).toArray();
        try (NDManager m = root.newSubManager()) {
          StepBatch b = TestingItemTable.batch(m, ids, FREQ);
          StepContext ctx = items.context(s, m, FREQ);
          NDArray u = TestingItemTable.randomMatrix(m, 5, D, s);
          NDArray v = items.encoder().encode(b.itemIds());
          float cross = LOSS.compute(u, sampler.candidates(ctx, b, v), b.itemIds()).getFloat();
          float inBatch =
              LOSS.compute(u, new InBatchSampler().candidates(ctx, b, v), b.itemIds()).getFloat();
          assertThat(cross).isEqualTo(inBatch);
          sampler.onStepEnd(ctx, b, v.stopGradient());
        }
      }
      assertThat(sampler.bankFill()).isZero();
      assertThat(sampler.describeState()).contains("bank-size 0");
    }
  }

  @Test
  void partialFillUsesOnlyWrittenSlots() {
    try (NDManager root = NDManager.newBaseManager();
        CrossBatchSampler sampler = sampler(root, 10).build()) {
      TestingItemTable items = TestingItemTable.random(root, 40, D, 2);
      assertThat(step(root, items, sampler, 0, new long[] {0, 1, 2, 3})).isEqualTo(4);
      assertThat(step(root, items, sampler, 1, new long[] {4, 5, 6, 7})).isEqualTo(8);
      assertThat(step(root, items, sampler, 2, new long[] {8, 9, 10, 11})).isEqualTo(12);
      assertThat(step(root, items, sampler, 3, new long[] {12, 13, 14, 15})).isEqualTo(14);
      assertThat(sampler.activationStep()).hasValue(0);
      assertThat(sampler.activationReason()).hasValue("no warm-up");
    }
  }

  @Test
  void fixedWarmupSwitchesOnAtItsStepWithAFullBank() {
    try (NDManager root = NDManager.newBaseManager();
        CrossBatchSampler sampler = sampler(root, 8).optWarmup(Warmup.fixed(3)).build()) {
      TestingItemTable items = TestingItemTable.random(root, 40, D, 2);
      for (int s = 0; s < 3; s++) {
        long[] ids = {4L * s, 4L * s + 1, 4L * s + 2, 4L * s + 3};
        assertThat(step(root, items, sampler, s, ids)).isEqualTo(4);
        assertThat(sampler.describeState()).contains("off: warm-up until step 3");
      }
      assertThat(sampler.bankFill()).isEqualTo(8);
      assertThat(step(root, items, sampler, 3, new long[] {20, 21, 22, 23})).isEqualTo(12);
      assertThat(sampler.activationStep()).hasValue(3);
      assertThat(sampler.activationReason()).hasValue("fixed warm-up of 3 steps");
      assertThat(sampler.describeState())
          .isEqualTo("cross-batch: bank 8/8 (embeddings), on since step 3");
    }
  }

  @Test
  void autoWarmupSwitchesOnWhenDriftFallsBelowThreshold() {
    Warmup.Drift auto = new Warmup.Drift(0.05, 5, 16, DriftProbe.UNIFORM, 1000);
    try (NDManager root = NDManager.newBaseManager();
        CrossBatchSampler sampler =
            sampler(root, 8).optWarmup(auto).optNumItems(30).optSeed(4).build()) {
      TestingItemTable items = TestingItemTable.random(root, 30, D, 2);
      SplittableRandom r = new SplittableRandom(5);
      long switchedAt = -1;
      for (int s = 0; s < 40 && switchedAt < 0; s++) {
        long columns =
            stepWithUpdate(
                root, items, sampler, s, r.longs(4, 0, 30).toArray(), s < 20 ? 0.5 : 1e-4);
        if (columns > 4) {
          switchedAt = s;
        }
      }
      // measurements after steps 5, 10, ...; the one at 25 compares with 20: only small updates
      assertThat(switchedAt).isEqualTo(25);
      assertThat(sampler.activationStep()).hasValue(25);
      assertThat(sampler.activationReason().orElseThrow())
          .contains("fell below drift-threshold 0.05")
          .contains("to step 25");
      assertThat(sampler.lastRelativeDrift().orElseThrow()).isLessThan(0.05);
      assertThat(sampler.describeState()).contains("on since step 25");
    }
  }

  @Test
  void autoWarmupWithPositivesProbeAndCap() {
    Warmup.Drift auto = new Warmup.Drift(0.0, 2, 6, DriftProbe.POSITIVES, 9);
    try (NDManager root = NDManager.newBaseManager();
        CrossBatchSampler sampler = sampler(root, 8).optWarmup(auto).build()) {
      TestingItemTable items = TestingItemTable.random(root, 30, D, 2);
      SplittableRandom r = new SplittableRandom(5);
      for (int s = 0; s < 9; s++) {
        assertThat(stepWithUpdate(root, items, sampler, s, r.longs(4, 0, 30).toArray(), 0.1))
            .isEqualTo(4);
      }
      assertThat(sampler.describeState())
          .contains("off: drift warm-up, relative drift")
          .contains("on at step 9 at the latest");
      assertThat(stepWithUpdate(root, items, sampler, 9, new long[] {1, 2, 3, 4}, 0.1))
          .isEqualTo(12);
      assertThat(sampler.activationReason().orElseThrow())
          .startsWith("drift warm-up reached max-warmup-steps 9");
    }
  }

  private static void samplerOnlyStep(
      NDManager root, TestingItemTable items, NegativeSampler sampler, long step, long[] ids) {
    try (NDManager m = root.newSubManager()) {
      StepBatch b = TestingItemTable.batch(m, ids, FREQ);
      StepContext ctx = items.context(step, m, FREQ);
      NDArray v = items.encoder().encode(b.itemIds()).stopGradient();
      assertThat(sampler.candidates(ctx, b, v).size()).isGreaterThan(ids.length);
      sampler.onStepEnd(ctx, b, v);
    }
  }

  /** A step followed by a stand-in optimizer update of the given size. */
  private static long stepWithUpdate(
      NDManager root,
      TestingItemTable items,
      NegativeSampler sampler,
      long step,
      long[] ids,
      double update) {
    try (NDManager m = root.newSubManager()) {
      StepBatch b = TestingItemTable.batch(m, ids, FREQ);
      StepContext ctx = items.context(step, m, FREQ);
      NDArray v = items.encoder().encode(b.itemIds());
      long columns = sampler.candidates(ctx, b, v).size();
      items.perturb(update, 1000 + step);
      sampler.onStepEnd(ctx, b, v.stopGradient());
      return columns;
    }
  }

  @Test
  void maskedBankColumnsAffectNeitherLossNorGradient() {
    // the bank holds item 1 twice over two variants of its embedding; row 0's positive is item 1
    float[][] rowLoss = new float[2][];
    float[][] userGrad = new float[2][];
    for (int variant = 0; variant < 2; variant++) {
      try (NDManager root = NDManager.newBaseManager();
          CrossBatchSampler sampler = sampler(root, 6).build()) {
        TestingItemTable items = TestingItemTable.random(root, 12, D, 1);
        try (NDManager m = root.newSubManager()) {
          StepBatch b = TestingItemTable.batch(m, new long[] {1, 2, 3}, FREQ);
          NDArray stale = items.encode(m, new long[] {1, 2, 3}).stopGradient();
          if (variant == 1) {
            stale = stale.mul(m.create(new float[] {-3f, 1f, 1f}).reshape(3, 1));
          }
          sampler.onStepEnd(items.context(0, m, FREQ), b, stale);
        }
        try (NDManager m = root.newSubManager()) {
          StepBatch b = TestingItemTable.batch(m, new long[] {1, 4, 5}, FREQ);
          NDArray u = TestingItemTable.randomMatrix(m, 3, D, 9);
          u.setRequiresGradient(true);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray v = items.encoder().encode(b.itemIds());
            Candidates c = sampler.candidates(items.context(1, m, FREQ), b, v);
            assertThat(c.size()).isEqualTo(6);
            NDArray perRow = LOSS.perRow(u, c, b.itemIds());
            rowLoss[variant] = perRow.toFloatArray();
            gc.backward(perRow.get(0));
          }
          userGrad[variant] = u.getGradient().get(0).toFloatArray();
        }
      }
    }
    assertThat(rowLoss[1][0]).isEqualTo(rowLoss[0][0]);
    assertThat(userGrad[1]).containsExactly(userGrad[0]);
    // the same column is a real negative for the other rows
    assertThat(rowLoss[1][1]).isNotEqualTo(rowLoss[0][1]);
  }

  @ParameterizedTest
  @EnumSource(BankMode.class)
  void nativeMemoryStaysFlatOverThousandsOfSteps(BankMode mode) {
    try (NDManager root = NDManager.newBaseManager()) {
      TestingItemTable items = TestingItemTable.random(root, 50, D, 1);
      try (CrossBatchSampler sampler =
          sampler(root, 20)
              .optMode(mode)
              .optWarmup(new Warmup.Drift(0.0, 7, 10, DriftProbe.POSITIVES, 50))
              .build()) {
        FifoMemoryBank bank = sampler.bank();
        NDArray emb = bank.embeddingStorage();
        NDArray ids = bank.itemIdStorage();
        SplittableRandom r = new SplittableRandom(7);
        step(root, items, sampler, 0, r.longs(8, 0, 50).toArray());
        int rootArrays = root.getManagedArrays().size();
        int bankArrays = bank.manager().getManagedArrays().size();
        // full steps (with loss and backward) first, then the sampler's own calls only: the
        // loss is core's business, and 5000 full steps would take most of the suite's time
        for (int s = 1; s <= 5000; s++) {
          long[] batch = r.longs(8, 0, 50).toArray();
          if (s <= 300) {
            step(root, items, sampler, s, batch);
          } else {
            samplerOnlyStep(root, items, sampler, s, batch);
          }
        }
        assertThat(sampler.activationStep()).hasValue(50);
        assertThat(root.getManagedArrays()).hasSize(rootArrays);
        assertThat(bank.manager().getManagedArrays()).hasSize(bankArrays);
        if (mode == BankMode.EMBEDDINGS) {
          assertThat(emb).isNotNull();
        }
        assertThat(bank.embeddingStorage()).isSameAs(emb);
        assertThat(bank.itemIdStorage()).isSameAs(ids);
        assertThat(bank.enqueued()).isEqualTo(5001L * 8);
      }
    }
  }

  @Test
  void uniformLogQChangesNothing() {
    FrequencyEstimator uniform = TestingItemTable.constantLogQ((float) -Math.log(40));
    SampledSoftmaxLoss withLogQ = new SampledSoftmaxLoss(new LossConfig(0.5, true, true));
    SampledSoftmaxLoss withoutLogQ = new SampledSoftmaxLoss(new LossConfig(0.5, false, true));
    try (NDManager root = NDManager.newBaseManager();
        CrossBatchSampler sampler = sampler(root, 6).build()) {
      TestingItemTable items = TestingItemTable.random(root, 40, D, 2);
      SplittableRandom r = new SplittableRandom(3);
      for (int s = 0; s < 4; s++) {
        try (NDManager m = root.newSubManager()) {
          StepBatch b = TestingItemTable.batch(m, r.longs(4, 0, 40).toArray(), uniform);
          StepContext ctx = new StepContext(s, 0, m, items.encoder(), uniform);
          NDArray u = TestingItemTable.randomMatrix(m, 4, D, s);
          NDArray v = items.encoder().encode(b.itemIds());
          Candidates c = sampler.candidates(ctx, b, v);
          assertThat(withLogQ.compute(u, c, b.itemIds()).getFloat())
              .isCloseTo(withoutLogQ.compute(u, c, b.itemIds()).getFloat(), within(1e-5f));
          sampler.onStepEnd(ctx, b, v.stopGradient());
        }
      }
      assertThat(sampler.bankFill()).isEqualTo(6);
    }
  }

  private static double rowNorm(float[] grad, int row) {
    double s = 0;
    for (int c = 0; c < D; c++) {
      s += grad[row * D + c] * grad[row * D + c];
    }
    return Math.sqrt(s);
  }
}
