package io.cbns.core.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.sampling.Candidates;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

final class TestSampledSoftmaxLoss {
  private static final int B = 3;
  private static final int D = 4;
  // 3 batch columns + 2 extra columns; column 3 holds item 11 = row 1's positive (accidental hit)
  private static final long[] POSITIVES = {10, 11, 12};
  private static final long[] COLUMN_IDS = {10, 11, 12, 11, 99};
  private static final float[] LOG_Q = {-1.0f, -2.0f, -0.5f, -3.0f, -1.5f};

  private final float[][] users = random(B, D, 1);
  private final float[][] columns = random(COLUMN_IDS.length, D, 2);

  @Test
  void accidentalHitsAreTheOtherColumnsOfEachRowsPositiveItem() {
    // rows' positives 5, 7, 5; columns hold 5, 7, 5, 9, 7, 5
    long[] hits =
        SampledSoftmaxLoss.accidentalHits(new long[] {5, 7, 5}, new long[] {5, 7, 5, 9, 7, 5});
    // row 0: columns 2 and 5; row 1: column 4; row 2: columns 0 and 5 (C = 6)
    assertThat(hits).containsExactly(2, 5, 10, 12, 17);
    assertThat(SampledSoftmaxLoss.accidentalHits(new long[] {1, 2}, new long[] {1, 2, 3}))
        .isEmpty();
  }

  @Test
  void accidentalHitsEqualEveryPairComparedInOrder() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    // few distinct items (many hits, long chains), many (few hits), and ids far apart
    for (long bound : new long[] {3, 50, 1L << 40}) {
      for (int[] sizes : new int[][] {{1, 1}, {7, 7}, {64, 64}, {64, 300}, {1000, 4000}}) {
        long[] columns = random.longs(sizes[1], 0, bound).toArray();
        long[] positives = java.util.Arrays.copyOf(columns, sizes[0]);
        java.util.List<Long> expected = new java.util.ArrayList<>();
        for (int i = 0; i < positives.length; i++) {
          for (int j = 0; j < columns.length; j++) {
            if (j != i && columns[j] == positives[i]) {
              expected.add((long) i * columns.length + j);
            }
          }
        }
        // isEqualTo compares the arrays in one pass (containsExactly is quadratic, and the
        // densest case has about a million hits)
        assertThat(SampledSoftmaxLoss.accidentalHits(positives, columns))
            .as("bound %d, B %d, C %d", bound, sizes[0], sizes[1])
            .isEqualTo(expected.stream().mapToLong(Long::longValue).toArray());
      }
    }
  }

  @Test
  void matchesHandComputedReferenceInAllSettings() {
    for (double t : new double[] {1.0, 0.2}) {
      for (boolean logQ : new boolean[] {false, true}) {
        for (boolean mask : new boolean[] {false, true}) {
          for (boolean batchNegatives : new boolean[] {true, false}) {
            LossConfig cfg = new LossConfig(t, logQ, mask);
            double expected = reference(cfg, batchNegatives);
            try (NDManager m = NDManager.newBaseManager()) {
              double actual =
                  new SampledSoftmaxLoss(cfg)
                      .compute(m.create(users), candidates(m, columns, batchNegatives), ids(m))
                      .getFloat();
              assertThat(actual)
                  .as("t=%s logQ=%s mask=%s batchNeg=%s", t, logQ, mask, batchNegatives)
                  .isCloseTo(expected, within(1e-5));
            }
          }
        }
      }
    }
  }

  @Test
  void matchesTheReferenceWithWeights() {
    for (double a : new double[] {0.0, 0.5, 1.0}) {
      for (double w : new double[] {0.8, 1.0, 1.25}) {
        for (boolean batchNegatives : new boolean[] {true, false}) {
          LossConfig cfg = new LossConfig(0.2, true, true, a, w);
          double expected = reference(cfg, batchNegatives);
          try (NDManager m = NDManager.newBaseManager()) {
            double actual =
                new SampledSoftmaxLoss(cfg)
                    .compute(m.create(users), candidates(m, columns, batchNegatives), ids(m))
                    .getFloat();
            assertThat(actual)
                .as("logQ weight=%s w=%s batchNeg=%s", a, w, batchNegatives)
                .isCloseTo(expected, within(1e-5));
          }
        }
      }
    }
  }

  @Test
  void gradientMatchesFiniteDifferencesWithWeights() {
    for (boolean batchNegatives : new boolean[] {true, false}) {
      checkGradient(new LossConfig(0.5, true, true, 0.5, 1.3), batchNegatives);
    }
  }

  @Test
  void settingsChangeTheLoss() {
    // guards against a reference that ignores a setting: each setting must matter here
    double base = reference(new LossConfig(1.0, false, false), true);
    assertThat(reference(new LossConfig(0.2, false, false), true)).isNotCloseTo(base, within(1e-3));
    assertThat(reference(new LossConfig(1.0, true, false), true)).isNotCloseTo(base, within(1e-3));
    assertThat(reference(new LossConfig(1.0, false, true), true)).isNotCloseTo(base, within(1e-3));
    assertThat(reference(new LossConfig(1.0, false, false), false))
        .isNotCloseTo(base, within(1e-3));
    double full = reference(new LossConfig(1.0, true, false), true);
    assertThat(reference(new LossConfig(1.0, true, false, 0.5, 1.0), true))
        .isNotCloseTo(full, within(1e-3));
    assertThat(reference(new LossConfig(1.0, false, false, 1.0, 1.2), true))
        .isNotCloseTo(base, within(1e-3));
  }

  @Test
  void matchesTheReferenceWithRowTemperatureFactors() {
    double[] r = {0.6, 1.0, 2.2};
    for (double a : new double[] {0.0, 1.0}) {
      for (double w : new double[] {1.0, 1.2}) {
        for (boolean batchNegatives : new boolean[] {true, false}) {
          LossConfig cfg = new LossConfig(0.2, true, true, a, w);
          double expected = reference(cfg, batchNegatives, users, columns, r);
          try (NDManager m = NDManager.newBaseManager()) {
            double actual =
                new SampledSoftmaxLoss(cfg)
                    .compute(
                        m.create(users),
                        candidates(m, columns, batchNegatives),
                        ids(m),
                        null,
                        m.create(toFloats(r)))
                    .getFloat();
            assertThat(actual)
                .as("logQ weight=%s w=%s batchNeg=%s", a, w, batchNegatives)
                .isCloseTo(expected, within(1e-5));
          }
        }
      }
    }
    // the factors matter in the reference, and factors of 1 are the loss without them
    LossConfig cfg = new LossConfig(0.2, true, true, 1.0, 1.2);
    assertThat(reference(cfg, true, users, columns, r))
        .isNotCloseTo(reference(cfg, true), within(1e-3));
    try (NDManager m = NDManager.newBaseManager()) {
      SampledSoftmaxLoss loss = new SampledSoftmaxLoss(cfg);
      double ones =
          loss.compute(
                  m.create(users),
                  candidates(m, columns, true),
                  ids(m),
                  null,
                  m.create(new float[] {1, 1, 1}))
              .getFloat();
      double none = loss.compute(m.create(users), candidates(m, columns, true), ids(m)).getFloat();
      assertThat(ones).isCloseTo(none, within(1e-6));
    }
  }

  @Test
  void gradientMatchesFiniteDifferencesWithRowTemperatureFactors() {
    for (boolean batchNegatives : new boolean[] {true, false}) {
      checkGradient(
          new LossConfig(0.5, true, true, 1.0, 1.2), batchNegatives, new double[] {0.5, 1.7, 1.0});
    }
  }

  @Test
  void positiveLogOddsAreTheRawNegativeLogOddsOfEachPositive() {
    for (boolean mask : new boolean[] {false, true}) {
      for (boolean batchNegatives : new boolean[] {true, false}) {
        // temperature, log q and the negative weight play no part: raw scores at temperature 1
        LossConfig cfg = new LossConfig(0.2, true, mask, 1.0, 1.2);
        float[] actual;
        try (NDManager m = NDManager.newBaseManager()) {
          actual =
              new SampledSoftmaxLoss(cfg)
                  .positiveLogOdds(m.create(users), candidates(m, columns, batchNegatives), ids(m));
        }
        for (int i = 0; i < B; i++) {
          double positive = 0;
          double negatives = 0;
          for (int j = 0; j < COLUMN_IDS.length; j++) {
            double dot = 0;
            for (int k = 0; k < D; k++) {
              dot += (double) users[i][k] * columns[j][k];
            }
            boolean removed =
                j != i && ((j < B && !batchNegatives) || (mask && COLUMN_IDS[j] == POSITIVES[i]));
            if (j == i) {
              positive = dot;
            } else if (!removed) {
              negatives += Math.exp(dot);
            }
          }
          assertThat(actual[i])
              .as("row %d mask=%s batchNeg=%s", i, mask, batchNegatives)
              .isCloseTo((float) (-positive + Math.log(negatives)), within(1e-5f));
        }
      }
    }
  }

  @Test
  void uniformLogQChangesNothing() {
    float[] uniform = new float[COLUMN_IDS.length];
    Arrays.fill(uniform, (float) Math.log(1.0 / 1000));
    try (NDManager m = NDManager.newBaseManager()) {
      Candidates c =
          new Candidates(m.create(columns), m.create(uniform), m.create(COLUMN_IDS), true);
      double with =
          new SampledSoftmaxLoss(new LossConfig(0.5, true, true))
              .compute(m.create(users), c, ids(m))
              .getFloat();
      double without =
          new SampledSoftmaxLoss(new LossConfig(0.5, false, true))
              .compute(m.create(users), c, ids(m))
              .getFloat();
      assertThat(with).isCloseTo(without, within(1e-5));
    }
  }

  @Test
  void gradientMatchesFiniteDifferencesInAllMaskSettings() {
    for (boolean mask : new boolean[] {false, true}) {
      for (boolean batchNegatives : new boolean[] {true, false}) {
        checkGradient(new LossConfig(0.5, true, mask), batchNegatives);
      }
    }
  }

  private void checkGradient(LossConfig cfg, boolean batchNegatives) {
    checkGradient(cfg, batchNegatives, null);
  }

  private void checkGradient(LossConfig cfg, boolean batchNegatives, double[] r) {
    String setting =
        "mask="
            + cfg.maskAccidentalHits()
            + " batchNeg="
            + batchNegatives
            + " factors="
            + (r != null);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray u = m.create(users);
      NDArray c = m.create(columns);
      u.setRequiresGradient(true);
      c.setRequiresGradient(true);
      float[] gu;
      float[] gc;
      try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
        NDArray loss =
            new SampledSoftmaxLoss(cfg)
                .compute(
                    u,
                    new Candidates(c, m.create(LOG_Q), m.create(COLUMN_IDS), batchNegatives),
                    ids(m),
                    null,
                    r == null ? null : m.create(toFloats(r)));
        g.backward(loss);
      }
      gu = u.getGradient().toFloatArray();
      gc = c.getGradient().toFloatArray();
      assertGradient(
          gu, users, x -> reference(cfg, batchNegatives, x, columns, r), setting + " dL/du", 2e-3);
      assertGradient(
          gc, columns, x -> reference(cfg, batchNegatives, users, x, r), setting + " dL/dc", 2e-3);
      // column 3 is row 1's accidental hit and masked for row 1 only: its gradient comes from
      // rows 0 and 2, so it must be non-zero; a masked-everywhere column would have none
      assertThat(gc[3 * D]).as(setting).isNotZero();
    }
  }

  // the user-side term: 6 rows, users 0 and 1 twice, item 11 twice; 2 extra columns
  private static final long[] US_USERS = {0, 1, 0, 2, 3, 1};
  private static final long[] US_ITEMS = {10, 11, 12, 11, 13, 14};
  private static final long[] US_COLUMNS = {10, 11, 12, 11, 13, 14, 11, 15};
  private static final float[] US_ITEM_LOG_Q = {-1, -2, -0.5f, -2, -3, -1.5f, -2, -4};
  private static final float[] US_USER_LOG_Q = {-1.2f, -0.7f, -1.2f, -2.5f, -0.3f, -0.7f};

  @Test
  void userSideTermMatchesTheReferenceAndItsGradient() {
    float[][] u = random(6, D, 3);
    float[][] all = random(US_COLUMNS.length, D, 4);
    // the batch columns alone (C = B) and with two more; with and without masking; w = 1 and
    // 1.2; no, half and full log q
    for (int n : new int[] {6, US_COLUMNS.length}) {
      float[][] c = java.util.Arrays.copyOf(all, n);
      for (boolean mask : new boolean[] {true, false}) {
        for (double w : new double[] {1.0, 1.2}) {
          for (double a : new double[] {0.0, 0.5, 1.0}) {
            for (double lambda : new double[] {0.0, 0.7}) {
              checkUserSide(new LossConfig(0.3, a > 0, mask, a > 0 ? a : 1.0, w, lambda), u, c);
            }
          }
        }
      }
    }
    float[][] c = all;
    // the term matters, and without the batch's users it is refused
    LossConfig on = new LossConfig(0.3, true, true, 1.0, 1.2, 0.7);
    assertThat(userSideReference(on, u, c))
        .isNotCloseTo(
            userSideReference(new LossConfig(0.3, true, true, 1.0, 1.2, 0), u, c), within(1e-3));
    try (NDManager m = NDManager.newBaseManager()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  new SampledSoftmaxLoss(on)
                      .compute(
                          m.create(u),
                          new Candidates(
                              m.create(c), m.create(US_ITEM_LOG_Q), m.create(US_COLUMNS), true),
                          m.create(US_ITEMS)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("batch's users");
    }
  }

  /**
   * The loss with the user-side term in double precision, written out: item side as in {@link
   * #reference}, then each batch column's softmax over the rows, without the rows of the column's
   * user other than its own and the rows whose positive is the column's item.
   */
  private static double userSideReference(LossConfig cfg, float[][] u, float[][] c) {
    int b = US_USERS.length;
    int n = c.length;
    boolean mask = cfg.maskAccidentalHits();
    double a = cfg.effectiveLogQWeight();
    double[][] logits = new double[b][n];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < n; j++) {
        double dot = 0;
        for (int k = 0; k < D; k++) {
          dot += u[i][k] * c[j][k];
        }
        logits[i][j] = dot / cfg.temperature() - a * US_ITEM_LOG_Q[j];
      }
    }
    double itemSide = 0;
    for (int i = 0; i < b; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        if (!mask || j == i || US_COLUMNS[j] != US_ITEMS[i]) {
          max = Math.max(max, logits[i][j]);
        }
      }
      double sum = 0;
      for (int j = 0; j < n; j++) {
        if (!mask || j == i || US_COLUMNS[j] != US_ITEMS[i]) {
          sum += Math.exp(logits[i][j] - max);
        }
      }
      double lse = max + Math.log(sum);
      itemSide += -logits[i][i] + cfg.negativeWeight() * lse;
    }
    itemSide /= b;
    double userSide = 0;
    for (int j = 0; j < b; j++) {
      double max = Double.NEGATIVE_INFINITY;
      double[] col = new double[b];
      for (int r = 0; r < b; r++) {
        boolean removed =
            r != j && (US_USERS[r] == US_USERS[j] || (mask && US_ITEMS[r] == US_COLUMNS[j]));
        col[r] = removed ? Double.NEGATIVE_INFINITY : logits[r][j] - a * US_USER_LOG_Q[r];
        max = Math.max(max, col[r]);
      }
      double sum = 0;
      for (int r = 0; r < b; r++) {
        sum += Math.exp(col[r] - max);
      }
      userSide += -(col[j] - max - Math.log(sum));
    }
    return itemSide + cfg.userSoftmaxWeight() * userSide / b;
  }

  @Test
  void theUserSideTermIgnoresRowTemperatureFactors() {
    // the user-side term is read at the configured temperature whatever the item side's factors:
    // adding it changes the loss by the same amount with and without factors
    float[][] u = random(6, D, 21);
    float[][] c = random(US_COLUMNS.length, D, 22);
    float[] factors = {0.5f, 2.0f, 1.0f, 1.5f, 0.8f, 2.7f};
    double[] delta = new double[2];
    for (int f = 0; f < 2; f++) {
      double[] total = new double[2];
      for (int side = 0; side < 2; side++) {
        LossConfig cfg = new LossConfig(0.2, true, true, 1.0, 1.2, side == 0 ? 0 : 0.7);
        try (NDManager m = NDManager.newBaseManager()) {
          total[side] =
              new SampledSoftmaxLoss(cfg)
                  .compute(
                      m.create(u),
                      new Candidates(
                          m.create(c), m.create(US_ITEM_LOG_Q), m.create(US_COLUMNS), true),
                      m.create(US_ITEMS),
                      new SampledSoftmaxLoss.BatchUsers(US_USERS, m.create(US_USER_LOG_Q)),
                      f == 0 ? null : m.create(factors))
                  .getFloat();
        }
      }
      delta[f] = total[1] - total[0];
    }
    assertThat(delta[0]).isNotCloseTo(0, within(1e-3));
    assertThat(delta[1]).isCloseTo(delta[0], within(1e-5));
  }

  private static void checkUserSide(LossConfig cfg, float[][] u, float[][] c) {
    double lambda = cfg.userSoftmaxWeight();
    String setting =
        "a="
            + cfg.effectiveLogQWeight()
            + " mask="
            + cfg.maskAccidentalHits()
            + " w="
            + cfg.negativeWeight()
            + " C="
            + c.length;
    double expected = userSideReference(cfg, u, c);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray users = m.create(u);
      NDArray cols = m.create(c);
      users.setRequiresGradient(true);
      cols.setRequiresGradient(true);
      double actual;
      try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
        NDArray loss =
            new SampledSoftmaxLoss(cfg)
                .compute(
                    users,
                    new Candidates(
                        cols,
                        m.create(java.util.Arrays.copyOf(US_ITEM_LOG_Q, c.length)),
                        m.create(java.util.Arrays.copyOf(US_COLUMNS, c.length)),
                        true),
                    m.create(US_ITEMS),
                    new SampledSoftmaxLoss.BatchUsers(US_USERS, m.create(US_USER_LOG_Q)));
        actual = loss.getFloat();
        g.backward(loss);
      }
      assertThat(actual).as("lambda=%s %s", lambda, setting).isCloseTo(expected, within(1e-5));
      float[] gu = users.getGradient().toFloatArray();
      float[] gc = cols.getGradient().toFloatArray();
      double h = 1e-3;
      for (int i = 0; i < 6; i++) {
        for (int j = 0; j < D; j++) {
          float[][] plus = copy(u);
          float[][] minus = copy(u);
          plus[i][j] += h;
          minus[i][j] -= h;
          double fd =
              (userSideReference(cfg, plus, c) - userSideReference(cfg, minus, c)) / (2 * h);
          assertThat(gu[i * D + j])
              .as("lambda=%s %s dL/du[%d][%d]", lambda, setting, i, j)
              .isCloseTo((float) fd, within(2e-3f));
        }
      }
      for (int i = 0; i < c.length; i++) {
        for (int j = 0; j < D; j++) {
          float[][] plus = copy(c);
          float[][] minus = copy(c);
          plus[i][j] += h;
          minus[i][j] -= h;
          double fd =
              (userSideReference(cfg, u, plus) - userSideReference(cfg, u, minus)) / (2 * h);
          assertThat(gc[i * D + j])
              .as("lambda=%s %s dL/dc[%d][%d]", lambda, setting, i, j)
              .isCloseTo((float) fd, within(2e-3f));
        }
      }
    }
  }

  @Test
  void gradientSurvivesAGarbageCollectionBetweenForwardAndBackward() throws InterruptedException {
    // Regression: the temperature was a DJL Number operand, a tensor over a Java direct buffer
    // whose wrapper DJL closes at once while autograd keeps the tensor for the backward pass. A
    // collection then freed the buffer, malloc handed its bytes out again, and the backward pass
    // divided by whatever was written there. Here a collection runs between the two passes and
    // the freed small blocks are refilled with a huge value; the gradient must not change.
    LossConfig cfg = new LossConfig(0.2, true, true);
    float[] quiet = userGradient(cfg, false);
    for (int attempt = 0; attempt < 3; attempt++) {
      assertThat(userGradient(cfg, true)).as("attempt %d", attempt).containsExactly(quiet);
    }
  }

  private float[] userGradient(LossConfig cfg, boolean collectBeforeBackward)
      throws InterruptedException {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray u = m.create(users);
      u.setRequiresGradient(true);
      try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
        NDArray loss = new SampledSoftmaxLoss(cfg).compute(u, candidates(m, columns, true), ids(m));
        List<ByteBuffer> refill = new ArrayList<>();
        if (collectBeforeBackward) {
          // fill the freeing thread's small-block cache first, so later frees reach the shared
          // free lists that this thread allocates from
          for (int i = 0; i < 64; i++) {
            ByteBuffer.allocateDirect(4);
          }
          for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
          }
          for (int i = 0; i < 4096; i++) {
            refill.add(
                ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putFloat(0, 1e30f));
          }
        }
        g.backward(loss);
        assertThat(refill).hasSize(collectBeforeBackward ? 4096 : 0);
      }
      return u.getGradient().toFloatArray();
    }
  }

  @Test
  void largeLogitsGiveAFiniteLossEqualToTheReference() {
    // logits near 1e4 overflow a naive exp in float; the row maximum is taken out first
    float[][] big = new float[users.length][];
    for (int i = 0; i < users.length; i++) {
      big[i] = users[i].clone();
      for (int j = 0; j < D; j++) {
        big[i][j] *= 300;
      }
    }
    for (boolean mask : new boolean[] {false, true}) {
      LossConfig cfg = new LossConfig(0.05, true, mask);
      try (NDManager m = NDManager.newBaseManager()) {
        double actual =
            new SampledSoftmaxLoss(cfg)
                .compute(m.create(big), candidates(m, columns, true), ids(m))
                .getFloat();
        assertThat(actual).isFinite();
        assertThat(actual)
            .as("mask=%s", mask)
            .isCloseTo(reference(cfg, true, big, columns), within(1e-2 * Math.abs(actual) + 1e-3));
      }
    }
  }

  @Test
  void refinedLogQMatchesTheReferenceAndItsGradient() {
    for (double w : new double[] {1.0, 1.25}) {
      for (boolean mask : new boolean[] {false, true}) {
        for (boolean batchNegatives : new boolean[] {true, false}) {
          LossConfig cfg = new LossConfig(0.5, true, mask, 1.0, w, 0, 0, true);
          String setting = "w=" + w + " mask=" + mask + " batchNeg=" + batchNegatives;
          double[] weights = refinedWeights(cfg, batchNegatives, users, columns);
          float[][] out = lossAndGradients(cfg, batchNegatives, COLUMN_IDS.length);
          assertThat((double) out[0][0])
              .as(setting)
              .isCloseTo(refined(cfg, batchNegatives, users, columns, weights), within(1e-5));
          // the row weights are constants of the gradient: finite differences with them frozen
          assertGradient(
              out[1],
              users,
              x -> refined(cfg, batchNegatives, x, columns, weights),
              setting + " dL/du",
              1e-3);
          assertGradient(
              out[2],
              columns,
              x -> refined(cfg, batchNegatives, users, x, weights),
              setting + " dL/dc",
              1e-3);
        }
      }
    }
  }

  /**
   * Asserts that each entry of {@code gradient} (row-major over {@code at}) is the central
   * difference of {@code loss} at {@code at}, within {@code tolerance}.
   */
  private static void assertGradient(
      float[] gradient,
      float[][] at,
      ToDoubleFunction<float[][]> loss,
      String what,
      double tolerance) {
    double h = 1e-3;
    int d = at[0].length;
    for (int i = 0; i < at.length; i++) {
      for (int j = 0; j < d; j++) {
        float[][] plus = copy(at);
        float[][] minus = copy(at);
        plus[i][j] += h;
        minus[i][j] -= h;
        double fd = (loss.applyAsDouble(plus) - loss.applyAsDouble(minus)) / (2 * h);
        assertThat(gradient[i * d + j])
            .as("%s[%d][%d]", what, i, j)
            .isCloseTo((float) fd, within((float) tolerance));
      }
    }
  }

  @Test
  void refinedLogQIsTheFullSoftmaxGradientWhenTheNegativesAreTheWholeCatalogue() {
    // one row, its positive and the 4 other items of a 5-item catalogue, each once, drawn
    // uniformly: the importance-sampling estimate of the rest of the partition function is exact,
    // so the refined gradient must be the full softmax's (the row weight 1 - p included)
    float[][] u = {users[0]};
    float[] uniform = new float[columns.length];
    Arrays.fill(uniform, (float) Math.log(1.0 / (columns.length - 1)));
    long[] items = {10, 20, 30, 40, 50};
    float[] refinedGradient =
        gradientOfU(new LossConfig(0.5, true, true, 1.0, 1.0, 0, 0, true), u, uniform, items);
    float[] fullSoftmax = gradientOfU(new LossConfig(0.5, false, true), u, uniform, items);
    assertThat(refinedGradient).containsExactly(fullSoftmax, within(1e-5f));
  }

  private float[] gradientOfU(LossConfig cfg, float[][] u, float[] logQ, long[] items) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray user = m.create(u);
      user.setRequiresGradient(true);
      try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
        g.backward(
            new SampledSoftmaxLoss(cfg)
                .compute(
                    user,
                    new Candidates(m.create(columns), m.create(logQ), m.create(items), false),
                    m.create(new long[] {items[0]})));
      }
      return user.getGradient().toFloatArray();
    }
  }

  @Test
  void refinedLogQNeedsTheFullCorrectionAlone() {
    assertThatThrownBy(() -> new LossConfig(0.1, false, true, 1.0, 1.0, 0, 0, true))
        .hasMessageContaining("full correction");
    assertThatThrownBy(() -> new LossConfig(0.1, true, true, 0.5, 1.0, 0, 0, true))
        .hasMessageContaining("full correction");
    assertThatThrownBy(() -> new LossConfig(0.1, true, true, 1.0, 1.0, 0.5, 0, true))
        .hasMessageContaining("user-side term");
    assertThatThrownBy(() -> new LossConfig(0.1, true, true, 1.0, 1.0, 0, 0.6, true))
        .hasMessageContaining("per-user temperatures");
  }

  /**
   * The refined correction from its definition, in doubles: {@code x_ij = u_i . c_j / t - log(K
   * q_j)} for the negatives (K draws: C - 1 with batch negatives, C - B without), {@code x_ii = u_i
   * . c_i / t}, row i's loss {@code weight_i * (-x_ii + w * log sum_neg exp(x_ij))}.
   */
  private static double refined(
      LossConfig cfg, boolean batchNegatives, float[][] u, float[][] c, double[] weights) {
    return refined(cfg, batchNegatives, u, c, weights, null);
  }

  private static double refined(
      LossConfig cfg,
      boolean batchNegatives,
      float[][] u,
      float[][] c,
      double[] weights,
      long[][] known) {
    double total = 0;
    for (int i = 0; i < B; i++) {
      double[] terms = refinedRow(cfg, batchNegatives, u, c, i, known);
      total += weights[i] * (-terms[0] + cfg.negativeWeight() * terms[1]);
    }
    return total / B;
  }

  /** Each row's {@code 1 - p_i}, p_i its positive's share of {@code exp(x_ii) + sum_neg}. */
  private static double[] refinedWeights(
      LossConfig cfg, boolean batchNegatives, float[][] u, float[][] c) {
    return refinedWeights(cfg, batchNegatives, u, c, null);
  }

  private static double[] refinedWeights(
      LossConfig cfg, boolean batchNegatives, float[][] u, float[][] c, long[][] known) {
    double[] out = new double[B];
    for (int i = 0; i < B; i++) {
      double[] terms = refinedRow(cfg, batchNegatives, u, c, i, known);
      out[i] = 1 - 1 / (1 + Math.exp(terms[1] - terms[0]));
    }
    return out;
  }

  /** {@code x_ii} and {@code log sum_neg exp(x_ij)} of row i; {@code known} as in reference. */
  private static double[] refinedRow(
      LossConfig cfg, boolean batchNegatives, float[][] u, float[][] c, int i, long[][] known) {
    int draws = batchNegatives ? c.length - 1 : c.length - B;
    double positive = 0;
    double sum = 0;
    for (int j = 0; j < c.length; j++) {
      double dot = 0;
      for (int k = 0; k < D; k++) {
        dot += (double) u[i][k] * c[j][k];
      }
      if (j == i) {
        positive = dot / cfg.temperature();
        continue;
      }
      if ((j < B && !batchNegatives)
          || (cfg.maskAccidentalHits() && COLUMN_IDS[j] == POSITIVES[i])
          || (known != null && contains(known[i], COLUMN_IDS[j]))) {
        continue;
      }
      sum += Math.exp(dot / cfg.temperature() - LOG_Q[j] - Math.log(draws));
    }
    return new double[] {positive, Math.log(sum)};
  }

  @Test
  void constantColumnsGiveTheSameLossAndGradientsWithoutOneToThem() {
    // the two extra columns declared constant (as a cached-embedding bank's are), against the
    // same candidates with every column carrying gradient: the same loss, the same gradient to
    // the users and to the batch columns, and none to the constant columns
    for (boolean refined : new boolean[] {false, true}) {
      for (boolean batchNegatives : new boolean[] {true, false}) {
        LossConfig cfg = new LossConfig(0.5, true, true, 1.0, 1.2, 0, 0, refined);
        String setting = "refined=" + refined + " batchNeg=" + batchNegatives;
        float[][] full = lossAndGradients(cfg, batchNegatives, COLUMN_IDS.length);
        float[][] split = lossAndGradients(cfg, batchNegatives, B);
        assertThat(split[0][0]).as(setting).isCloseTo(full[0][0], within(1e-6f));
        // the users' gradient, and the batch columns' (the first B rows of dL/dc)
        for (int part = 1; part <= 2; part++) {
          for (int e = 0; e < B * D; e++) {
            assertThat(split[part][e])
                .as("%s part %d row %d", setting, part, e / D)
                .isCloseTo(full[part][e], within(1e-6f));
          }
        }
        float[] constantRows = Arrays.copyOfRange(split[2], B * D, COLUMN_IDS.length * D);
        assertThat(Arrays.copyOfRange(full[2], 3 * D, 4 * D))
            .as(setting)
            .isNotEqualTo(new float[D]);
        assertThat(constantRows).as(setting).containsOnly(0f);
      }
    }
  }

  /**
   * {loss}, dL/du and dL/dc (row-major) for the test's users and columns, with {@code g} gradient
   * columns.
   */
  private float[][] lossAndGradients(LossConfig cfg, boolean batchNegatives, long g) {
    try (NDManager m = NDManager.newBaseManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray u = m.create(users);
      NDArray c = m.create(columns);
      u.setRequiresGradient(true);
      c.setRequiresGradient(true);
      Candidates cands =
          new Candidates(c, m.create(LOG_Q), m.create(COLUMN_IDS), batchNegatives, g);
      NDArray loss = new SampledSoftmaxLoss(cfg).compute(u, cands, ids(m));
      float value = loss.getFloat();
      gc.backward(loss);
      return new float[][] {
        {value}, u.getGradient().toFloatArray(), c.getGradient().toFloatArray()
      };
    }
  }

  @Test
  void maskedColumnsDoNotAffectLossOrGradient() {
    // changing the embedding of a column that is masked for every row changes nothing
    long[] positives = {11, 11, 11};
    LossConfig cfg = new LossConfig(1.0, true, true);
    long[] colIds = {11, 11, 11, 11, 99};
    try (NDManager m = NDManager.newBaseManager()) {
      float[][] changed = copy(columns);
      changed[3] = new float[] {5, -5, 5, -5};
      double a = lossWith(m, cfg, columns, colIds, positives);
      double b = lossWith(m, cfg, changed, colIds, positives);
      assertThat(a).isCloseTo(b, within(1e-6));
    }
  }

  private double lossWith(
      NDManager m, LossConfig cfg, float[][] cols, long[] colIds, long[] positives) {
    Candidates c = new Candidates(m.create(cols), m.create(LOG_Q), m.create(colIds), true);
    return new SampledSoftmaxLoss(cfg).compute(m.create(users), c, m.create(positives)).getFloat();
  }

  private static Candidates candidates(NDManager m, float[][] cols, boolean batchNegatives) {
    return candidates(m, m.create(cols), batchNegatives);
  }

  private static Candidates candidates(NDManager m, NDArray cols, boolean batchNegatives) {
    return new Candidates(cols, m.create(LOG_Q), m.create(COLUMN_IDS), batchNegatives);
  }

  private static NDArray ids(NDManager m) {
    return m.create(POSITIVES);
  }

  private double reference(LossConfig cfg, boolean batchNegatives) {
    return reference(cfg, batchNegatives, users, columns);
  }

  /** Straight from the definition, in doubles. */
  private static double reference(
      LossConfig cfg, boolean batchNegatives, float[][] u, float[][] c) {
    return reference(cfg, batchNegatives, u, c, null);
  }

  /**
   * With per-row temperature factors {@code r} (null: all 1): row i's log-partition over {@code r_i
   * u_i . c_j / t - a log q_j}, its positive at {@code u_i . c_i / t - a log q_i}.
   */
  private static double reference(
      LossConfig cfg, boolean batchNegatives, float[][] u, float[][] c, double[] r) {
    return reference(cfg, batchNegatives, u, c, r, null);
  }

  /**
   * With {@code known[i]} the items of row i's user that are removed from its negatives (null:
   * none).
   */
  private static double reference(
      LossConfig cfg,
      boolean batchNegatives,
      float[][] u,
      float[][] c,
      double[] r,
      long[][] known) {
    double total = 0;
    for (int i = 0; i < B; i++) {
      double[] logits = new double[c.length];
      boolean[] keep = new boolean[c.length];
      double positive = 0;
      for (int j = 0; j < c.length; j++) {
        double dot = 0;
        for (int k = 0; k < D; k++) {
          dot += (double) u[i][k] * c[j][k];
        }
        double factor = r == null ? 1 : r[i];
        logits[j] = factor * dot / cfg.temperature() - cfg.effectiveLogQWeight() * LOG_Q[j];
        if (j == i) {
          positive = dot / cfg.temperature() - cfg.effectiveLogQWeight() * LOG_Q[j];
        }
        keep[j] = true;
        if (j != i && j < B && !batchNegatives) {
          keep[j] = false;
        }
        if (j != i && cfg.maskAccidentalHits() && COLUMN_IDS[j] == POSITIVES[i]) {
          keep[j] = false;
        }
        if (j != i && known != null && contains(known[i], COLUMN_IDS[j])) {
          keep[j] = false;
        }
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < c.length; j++) {
        if (keep[j]) {
          max = Math.max(max, logits[j]);
        }
      }
      double sum = 0;
      for (int j = 0; j < c.length; j++) {
        if (keep[j]) {
          sum += Math.exp(logits[j] - max);
        }
      }
      total += -positive + cfg.negativeWeight() * (max + Math.log(sum));
    }
    return total / B;
  }

  private static boolean contains(long[] items, long item) {
    return Arrays.stream(items).anyMatch(x -> x == item);
  }

  @Test
  void knownHitsAreEveryOtherColumnOfEachRowsKnownItems() {
    SplittableRandom random = new SplittableRandom(7);
    for (int numItems : new int[] {5, 40, 5000}) {
      for (int[] sizes : new int[][] {{1, 1}, {8, 8}, {64, 200}, {500, 2000}}) {
        int numUsers = 30;
        int[] userOf = random.ints(200 * numUsers, 0, numUsers).toArray();
        int[] itemOf = random.ints(userOf.length, 0, numItems).toArray();
        CsrMatrix known = CsrMatrix.fromPairs(numUsers, numItems, userOf, itemOf);
        long[] rowUsers = random.longs(sizes[0], 0, numUsers).toArray();
        long[] columns = random.longs(sizes[1], 0, numItems).toArray();
        long[] positives = Arrays.copyOf(columns, sizes[0]);
        for (boolean withPositives : new boolean[] {false, true}) {
          List<Long> expected = new ArrayList<>();
          for (int i = 0; i < sizes[0]; i++) {
            for (int j = 0; j < columns.length; j++) {
              boolean hit =
                  known.contains((int) rowUsers[i], (int) columns[j])
                      || (withPositives && columns[j] == positives[i]);
              if (j != i && hit) {
                expected.add((long) i * columns.length + j);
              }
            }
          }
          long[] actual =
              SampledSoftmaxLoss.knownHits(
                  known, rowUsers, withPositives ? positives : null, columns);
          // in no particular order, and an entry may come twice (a known item that is also the
          // row's positive): compared as sets
          assertThat(Arrays.stream(actual).sorted().distinct().toArray())
              .as("items %d, B %d, C %d, positives %s", numItems, sizes[0], sizes[1], withPositives)
              .isEqualTo(expected.stream().mapToLong(Long::longValue).toArray());
        }
      }
    }
    assertThatThrownBy(
            () ->
                SampledSoftmaxLoss.knownHits(
                    CsrMatrix.fromPairs(2, 3, new int[0], new int[0]),
                    new long[] {2},
                    null,
                    new long[] {0}))
        .hasMessageContaining("row 0's user 2 has no known positives (2 users)");
  }

  // rows' users 0, 2, 2; user 0 knows items 10 and 99, user 2 items 11 and 12, user 1 nothing:
  // row 0 loses column 4 (99), row 1 columns 2 (12) and 3 (11), row 2 columns 1 and 3 (11)
  private static final long[] ROW_USERS = {0, 2, 2};
  private static final long[][] KNOWN = {{10, 99}, {11, 12}, {11, 12}};
  // the same users knowing 99 and 12 only, not all of their rows' positives: row 0 loses column 4,
  // row 1 column 2 (12) and column 3 (its positive 11, an accidental hit), row 2 nothing
  private static final long[][] KNOWN_WITHOUT_POSITIVES = {{99}, {12}, {12}};

  private static CsrMatrix knownPositives() {
    return CsrMatrix.fromPairs(3, 100, new int[] {0, 0, 2, 2}, new int[] {10, 99, 11, 12});
  }

  private static CsrMatrix knownPositivesWithoutPositives() {
    return CsrMatrix.fromPairs(3, 100, new int[] {0, 2}, new int[] {99, 12});
  }

  @Test
  void maskingKnownPositivesMatchesTheReference() {
    for (boolean refined : new boolean[] {false, true}) {
      for (double w : new double[] {1.0, 1.2}) {
        for (boolean withPositives : new boolean[] {true, false}) {
          long[][] known = withPositives ? KNOWN : KNOWN_WITHOUT_POSITIVES;
          for (boolean batchNegatives : new boolean[] {true, false}) {
            LossConfig cfg = new LossConfig(0.5, true, true, 1.0, w, 0, 0, refined, true);
            double expected = referenceWithKnown(cfg, batchNegatives, known);
            double unmasked = referenceWithKnown(cfg, batchNegatives, null);
            try (NDManager m = NDManager.newBaseManager()) {
              double actual =
                  new SampledSoftmaxLoss(
                          cfg, withPositives ? knownPositives() : knownPositivesWithoutPositives())
                      .compute(
                          m.create(users),
                          candidates(m, columns, batchNegatives),
                          ids(m),
                          new SampledSoftmaxLoss.BatchUsers(ROW_USERS))
                      .getFloat();
              String setting =
                  "refined="
                      + refined
                      + " w="
                      + w
                      + " withPositives="
                      + withPositives
                      + " batchNeg="
                      + batchNegatives;
              assertThat(actual).as(setting).isCloseTo(expected, within(1e-5));
              // the masking matters in every setting: the reference without it differs
              assertThat(unmasked).as(setting).isNotCloseTo(expected, within(1e-3));
            }
          }
        }
      }
    }
  }

  /** The standard or refined reference, {@code known} as in {@link #reference}. */
  private double referenceWithKnown(LossConfig cfg, boolean batchNegatives, long[][] known) {
    if (!cfg.refinedLogQ()) {
      return reference(cfg, batchNegatives, users, columns, null, known);
    }
    double[] weights = refinedWeights(cfg, batchNegatives, users, columns, known);
    return refined(cfg, batchNegatives, users, columns, weights, known);
  }

  @Test
  void anExtraColumnThatEveryRowsUserKnowsIsAsIfItWereNotThere() {
    // every row's user knows its positive and item 99 (column 4): masked, column 4 must count
    // nowhere, as if the candidates ended at column 3 and only accidental hits were masked. Checked
    // on every path that removes entries: the loss with per-row factors, perRow, positiveLogOdds
    CsrMatrix known =
        CsrMatrix.fromPairs(
            3, 100, new int[] {0, 0, 1, 1, 2, 2}, new int[] {10, 99, 11, 99, 12, 99});
    LossConfig masked = new LossConfig(0.5, true, true, 1.0, 1.2, 0, 0, false, true);
    LossConfig plain = new LossConfig(0.5, true, true, 1.0, 1.2);
    SampledSoftmaxLoss.BatchUsers rows = new SampledSoftmaxLoss.BatchUsers(new long[] {0, 1, 2});
    try (NDManager m = NDManager.newBaseManager()) {
      SampledSoftmaxLoss withKnown = new SampledSoftmaxLoss(masked, known);
      SampledSoftmaxLoss without = new SampledSoftmaxLoss(plain);
      Candidates all = candidates(m, columns, true);
      Candidates four =
          new Candidates(
              m.create(Arrays.copyOf(columns, 4)),
              m.create(Arrays.copyOf(LOG_Q, 4)),
              m.create(Arrays.copyOf(COLUMN_IDS, 4)),
              true);
      NDArray factors = m.create(new float[] {0.8f, 1.3f, 1.1f});
      NDArray u = m.create(users);
      assertThat(withKnown.compute(u, all, ids(m), rows, factors).getFloat())
          .isCloseTo(without.compute(u, four, ids(m), null, factors).getFloat(), within(1e-6f));
      assertThat(withKnown.perRow(u, all, ids(m), rows).toFloatArray())
          .containsExactly(without.perRow(u, four, ids(m)).toFloatArray(), within(1e-6f));
      assertThat(withKnown.positiveLogOdds(u, all, ids(m), rows))
          .containsExactly(without.positiveLogOdds(u, four, ids(m)), within(1e-6f));
      // and column 4 does count without the masking
      assertThat(without.perRow(u, all, ids(m)).toFloatArray())
          .isNotEqualTo(without.perRow(u, four, ids(m)).toFloatArray());
    }
  }

  @Test
  void positiveLogOddsOfARowWithoutNegativesIsMinusInfinity() {
    // batch columns not negatives and both extra columns (items 11 and 99) known to row 0's user:
    // row 0 has no negative left
    CsrMatrix known =
        CsrMatrix.fromPairs(3, 100, new int[] {0, 0, 0, 1, 2}, new int[] {10, 11, 99, 11, 12});
    LossConfig cfg = new LossConfig(0.5, true, true, 1.0, 1.0, 0, 0, false, true);
    try (NDManager m = NDManager.newBaseManager()) {
      float[] odds =
          new SampledSoftmaxLoss(cfg, known)
              .positiveLogOdds(
                  m.create(users),
                  candidates(m, columns, false),
                  ids(m),
                  new SampledSoftmaxLoss.BatchUsers(new long[] {0, 1, 2}));
      assertThat(odds[0]).isEqualTo(Float.NEGATIVE_INFINITY);
      assertThat(odds[2]).isFinite();
    }
  }

  @Test
  void unitRowFactorsChangeNothingWithKnownPositivesAndTheUserSideTerm() {
    // with per-row factors the user-side term reads a block computed and masked again: with
    // factors of 1 it must be the block the loss masked once, known positives included. User 0
    // (rows 0 and 2) knows 11 (columns 1, 3, 6), user 1 (rows 1 and 5) knows 13 (column 4)
    float[][] u = random(6, D, 3);
    float[][] c = random(US_COLUMNS.length, D, 4);
    CsrMatrix known =
        CsrMatrix.fromPairs(
            4, 100, new int[] {0, 0, 0, 1, 1, 1, 2, 3}, new int[] {10, 12, 11, 11, 14, 13, 11, 13});
    LossConfig masked = new LossConfig(0.3, true, true, 1.0, 1.2, 0.7, 0, false, true);
    try (NDManager m = NDManager.newBaseManager()) {
      Candidates cand =
          new Candidates(m.create(c), m.create(US_ITEM_LOG_Q), m.create(US_COLUMNS), true);
      SampledSoftmaxLoss.BatchUsers rows =
          new SampledSoftmaxLoss.BatchUsers(US_USERS, m.create(US_USER_LOG_Q));
      SampledSoftmaxLoss loss = new SampledSoftmaxLoss(masked, known);
      NDArray ones = m.ones(new ai.djl.ndarray.types.Shape(6));
      float once = loss.compute(m.create(u), cand, m.create(US_ITEMS), rows, null).getFloat();
      float again = loss.compute(m.create(u), cand, m.create(US_ITEMS), rows, ones).getFloat();
      assertThat(again).isCloseTo(once, within(1e-6f));
      float unmasked =
          new SampledSoftmaxLoss(new LossConfig(0.3, true, true, 1.0, 1.2, 0.7))
              .compute(m.create(u), cand, m.create(US_ITEMS), rows)
              .getFloat();
      assertThat(unmasked).isNotCloseTo(once, within(1e-3f));
    }
  }

  @Test
  void maskingKnownPositivesNeedsThemAndTheBatchsUsers() {
    assertThatThrownBy(() -> new LossConfig(0.5, true, false, 1.0, 1.0, 0, 0, false, true))
        .hasMessageContaining("needs masking accidental hits");
    LossConfig cfg = new LossConfig(0.5, true, true, 1.0, 1.0, 0, 0, false, true);
    assertThatThrownBy(() -> new SampledSoftmaxLoss(cfg))
        .hasMessageContaining("needs each user's train items");
    try (NDManager m = NDManager.newBaseManager()) {
      SampledSoftmaxLoss loss = new SampledSoftmaxLoss(cfg, knownPositives());
      assertThatThrownBy(() -> loss.compute(m.create(users), candidates(m, columns, true), ids(m)))
          .hasMessageContaining("needs the batch's users");
      assertThatThrownBy(
              () ->
                  loss.compute(
                      m.create(users),
                      candidates(m, columns, true),
                      ids(m),
                      new SampledSoftmaxLoss.BatchUsers(new long[] {0, 2})))
          .hasMessageContaining("has 2 users for 3 rows");
    }
  }

  private static float[][] random(int rows, int cols, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] out = new float[rows][cols];
    for (float[] row : out) {
      for (int j = 0; j < cols; j++) {
        row[j] = (float) (r.nextDouble() * 2 - 1);
      }
    }
    return out;
  }

  private static float[] toFloats(double[] a) {
    float[] out = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (float) a[i];
    }
    return out;
  }

  private static float[][] copy(float[][] a) {
    float[][] out = new float[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }
}
