package io.cbns.core.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

final class TestLazyAdam {
  private static final int ROWS = 8;
  private static final int DIM = 4;

  @Test
  void equalsDenseAdamWhenEveryRowIsTouchedEveryStep() {
    long[] allRows = {0, 1, 2, 3, 4, 5, 6, 7, 3, 5};
    float[] lazy =
        train(LazyAdam.builder().optLearningRateTracker(Tracker.fixed(0.05f)).build(), allRows, 0);
    float[] dense =
        train(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.05f)).build(), allRows, 0);
    float[] start = initial();
    double moved = 0;
    for (int i = 0; i < lazy.length; i++) {
      assertThat(lazy[i])
          .as("element %d", i)
          .isCloseTo(dense[i], org.assertj.core.data.Offset.offset(2e-5f));
      moved += Math.abs(lazy[i] - start[i]);
    }
    assertThat(moved).as("parameters moved").isGreaterThan(0.5);
  }

  @Test
  void rowsWithoutGradientStayExactlyAsTheyWere() {
    long[] someRows = {1, 4, 4};
    float[] after =
        train(LazyAdam.builder().optLearningRateTracker(Tracker.fixed(0.05f)).build(), someRows, 0);
    float[] start = initial();
    for (int r = 0; r < ROWS; r++) {
      for (int j = 0; j < DIM; j++) {
        int i = r * DIM + j;
        if (r == 1 || r == 4) {
          assertThat(after[i]).isNotEqualTo(start[i]);
        } else {
          assertThat(after[i]).isEqualTo(start[i]);
        }
      }
    }
  }

  @Test
  void weightDecayAndBiasesAreHandled() {
    // a 1-d parameter takes the dense path; weight decay pulls an untouched-by-loss bias to 0
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray bias = m.create(new float[] {1f, -1f});
      bias.setRequiresGradient(true);
      Optimizer opt =
          LazyAdam.builder()
              .optLearningRateTracker(Tracker.fixed(0.1f))
              .optWeightDecays(0.5f)
              .build();
      for (int s = 0; s < 20; s++) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          gc.backward(bias.mul(0f).sum());
        }
        try (NDArray g = bias.getGradient()) {
          opt.update("bias", bias, g);
        }
      }
      float[] b = bias.toFloatArray();
      assertThat(Math.abs(b[0])).isLessThan(1f);
      assertThat(Math.abs(b[1])).isLessThan(1f);
      assertThat(bias.getGradient().toFloatArray()).containsOnly(0f);
    }
  }

  /** Five steps of a random quadratic loss on the gathered rows; returns the table. */
  private static float[] train(Optimizer opt, long[] ids, long seed) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray table = m.create(initial(), new ai.djl.ndarray.types.Shape(ROWS, DIM));
      table.setRequiresGradient(true);
      SplittableRandom r = new SplittableRandom(seed);
      for (int step = 0; step < 5; step++) {
        float[] target = new float[ids.length * DIM];
        for (int i = 0; i < target.length; i++) {
          target[i] = (float) r.nextGaussian();
        }
        try (NDManager s = m.newSubManager()) {
          NDArray idx = s.create(ids);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray rows =
                idx.getNDArrayInternal()
                    .embedding(idx, table, ai.djl.ndarray.types.SparseFormat.DENSE)
                    .singletonOrThrow();
            NDArray loss =
                rows.sub(s.create(target, new ai.djl.ndarray.types.Shape(ids.length, DIM)))
                    .square()
                    .sum();
            gc.backward(loss);
          }
        }
        try (NDArray g = table.getGradient()) {
          opt.update("table", table, g);
        }
      }
      return table.toFloatArray();
    }
  }

  private static float[] initial() {
    SplittableRandom r = new SplittableRandom(99);
    float[] w = new float[ROWS * DIM];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian() * 0.1f;
    }
    return w;
  }
}
