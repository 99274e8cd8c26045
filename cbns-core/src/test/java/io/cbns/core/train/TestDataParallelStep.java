package io.cbns.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.Tracker;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.InteractionBatch;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.optim.CheckpointableOptimizer;
import io.cbns.core.optim.LazyAdam;
import io.cbns.core.optim.Sgd;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A data-parallel step over replicas on the one CPU ({@link TrainStep.Builder#optDevices}): it
 * updates the model as one device does on the same batch, the replicas follow the model, the
 * sampler sees the whole batch once per step, and a trainer built this way learns with flat memory.
 */
final class TestDataParallelStep {
  private static final int USERS = 12;
  private static final int ITEMS = 10;
  private static final int DIM = 4;
  private static final FrequencyEstimator LOG_Q =
      (ids, out) -> {
        for (int i = 0; i < ids.length; i++) {
          out[i] = -2f - 0.1f * ids[i];
        }
      };
  private static final LossConfig LOSS = new LossConfig(0.5, true, true);
  private static final NegativeSampler IN_BATCH =
      new NegativeSampler() {
        @Override
        public Candidates candidates(StepContext ctx, StepBatch batch, NDArray v) {
          return new Candidates(v, batch.itemLogQ(), batch.itemIds(), true);
        }
      };
  private static final NegativeSampler WITH_EXTRA_IDS =
      new NegativeSampler() {
        @Override
        public Candidates candidates(StepContext ctx, StepBatch batch, NDArray v) {
          long[] extra = {9, 8, 3};
          NDArray encoded = ctx.itemEncoder().encode(ctx.manager().create(extra));
          float[] extraLogQ = new float[extra.length];
          LOG_Q.logQ(extra, extraLogQ);
          return new Candidates(
              NDArrays.concat(new NDList(v, encoded)),
              NDArrays.concat(new NDList(batch.itemLogQ(), ctx.manager().create(extraLogQ))),
              NDArrays.concat(new NDList(batch.itemIds(), ctx.manager().create(extra))),
              true);
        }
      };

  /**
   * The same extra items as constants, as a cached-embedding bank's are: detached, and declared
   * constant ({@link Candidates#gradientColumns()}) when {@code declared}.
   */
  private static NegativeSampler withConstantExtra(boolean declared) {
    return new NegativeSampler() {
      @Override
      public Candidates candidates(StepContext ctx, StepBatch batch, NDArray v) {
        long[] extra = {9, 8, 3};
        NDArray encoded = ctx.itemEncoder().encode(ctx.manager().create(extra)).stopGradient();
        float[] extraLogQ = new float[extra.length];
        LOG_Q.logQ(extra, extraLogQ);
        NDArray columns = NDArrays.concat(new NDList(v, encoded));
        return new Candidates(
            columns,
            NDArrays.concat(new NDList(batch.itemLogQ(), ctx.manager().create(extraLogQ))),
            NDArrays.concat(new NDList(batch.itemIds(), ctx.manager().create(extra))),
            true,
            declared ? v.getShape().get(0) : columns.getShape().get(0));
      }
    };
  }

  // seven rows over two replicas (blocks of 3 and 4); item 3 is a positive in both blocks, so an
  // accidental hit crosses replicas; user 5 appears in both blocks, so its rows merge
  private static final InteractionBatch[] BATCHES = {
    new InteractionBatch(new long[] {0, 5, 2, 3, 5, 7, 9}, new long[] {3, 1, 4, 3, 6, 8, 0}),
    new InteractionBatch(new long[] {1, 4, 6, 8, 10, 11, 5}, new long[] {2, 7, 9, 5, 3, 1, 3}),
  };

  @Test
  void rowSparseStepsOverReplicasAreOneDeviceSteps() {
    sameAsOneDevice(true, IN_BATCH, 2, sgd());
    sameAsOneDevice(true, IN_BATCH, 3, sgd());
  }

  @Test
  void denseStepsOverReplicasAreOneDeviceSteps() {
    sameAsOneDevice(false, IN_BATCH, 2, sgd());
  }

  @Test
  void extraColumnsEncodedByEachReplicaGiveTheOneDeviceStep() {
    // extra columns encoded with gradient on the first device (as an ids bank's are) reach every
    // block's rows
    sameAsOneDevice(true, WITH_EXTRA_IDS, 2, sgd());
  }

  @Test
  void constantExtraColumnsGiveTheOneDeviceStep() {
    // each block's candidates keep the constant columns last and say so
    sameAsOneDevice(true, withConstantExtra(true), 2, sgd());
    sameAsOneDevice(true, withConstantExtra(true), 3, sgd());
  }

  @Test
  void declaringConstantColumnsChangesNoStep() {
    try (NDManager root = NDManager.newBaseManager();
        TestingMfModel declared = new TestingMfModel(root, USERS, ITEMS, DIM);
        TestingMfModel detached = new TestingMfModel(root, USERS, ITEMS, DIM);
        TrainStep a = step(declared, root, true, List.of(), withConstantExtra(true), sgd().get());
        TrainStep b =
            step(detached, root, true, List.of(), withConstantExtra(false), sgd().get())) {
      for (int s = 0; s < BATCHES.length; s++) {
        assertThat(a.run(BATCHES[s], s, 0)).isCloseTo(b.run(BATCHES[s], s, 0), offset(1e-6));
        assertSameParameters(detached, declared, s, 1e-6f);
      }
    }
  }

  @Test
  void knownPositivesMaskedOverReplicasGiveTheOneDeviceStep() {
    // each row's user's known items are removed from its negatives in every block, whichever
    // replica holds the column: user 5 (rows in both blocks of the first batch) knows items 1, 6
    // and 8, so its rows lose columns of the other block, and user 0 knows the extra column's 9
    int[] users = {0, 0, 5, 5, 5, 2, 3, 7, 9, 1, 4, 6, 8, 10, 11, 5};
    int[] items = {3, 9, 1, 6, 8, 4, 3, 8, 0, 2, 7, 9, 5, 3, 1, 3};
    CsrMatrix known = CsrMatrix.fromPairs(USERS, ITEMS, users, items);
    LossConfig loss = new LossConfig(0.5, true, true, 1.0, 1.2, 0, 0, true, true);
    sameAsOneDevice(true, IN_BATCH, 2, sgd(), loss, known);
    sameAsOneDevice(true, WITH_EXTRA_IDS, 3, sgd(), loss, known);
  }

  @Test
  void lazyAdamOverReplicasFollowsOneDevice() {
    sameAsOneDevice(true, IN_BATCH, 2, () -> LazyAdam.builder().build());
  }

  /**
   * Every step over {@code k} replicas on the CPU leaves the model where one device leaves it after
   * the same batches (up to float rounding: the replicas add gradients in another order), and
   * reports the same loss. The second batch checks that the replicas' copies followed the first
   * update: a stale copy gives another gradient.
   */
  private void sameAsOneDevice(
      boolean rowSparse,
      NegativeSampler sampler,
      int k,
      java.util.function.Supplier<CheckpointableOptimizer> optimizer) {
    sameAsOneDevice(rowSparse, sampler, k, optimizer, LOSS, null);
  }

  private void sameAsOneDevice(
      boolean rowSparse,
      NegativeSampler sampler,
      int k,
      java.util.function.Supplier<CheckpointableOptimizer> optimizer,
      LossConfig loss,
      CsrMatrix known) {
    List<Device> devices = java.util.Collections.nCopies(k, Device.cpu());
    try (NDManager root = NDManager.newBaseManager();
        TestingMfModel one = new TestingMfModel(root, USERS, ITEMS, DIM);
        TestingMfModel many = new TestingMfModel(root, USERS, ITEMS, DIM);
        TrainStep oneStep =
            step(one, root, rowSparse, List.of(), sampler, optimizer.get(), loss, known);
        TrainStep manyStep =
            step(many, root, rowSparse, devices, sampler, optimizer.get(), loss, known)) {
      assertThat(manyStep.replicas()).isEqualTo(k);
      for (int s = 0; s < BATCHES.length; s++) {
        double expectedLoss = oneStep.run(BATCHES[s], s, 0);
        double actualLoss = manyStep.run(BATCHES[s], s, 0);
        assertThat(actualLoss).as("loss of step %d", s).isCloseTo(expectedLoss, offset(1e-5));
        assertSameParameters(one, many, s, 2e-6f);
      }
    }
  }

  /** Both tables of {@code actual} equal those of {@code expected} after step {@code s}. */
  private static void assertSameParameters(
      TestingMfModel expected, TestingMfModel actual, int s, float tolerance) {
    float[][] want = parameters(expected);
    float[][] got = parameters(actual);
    for (int t = 0; t < 2; t++) {
      for (int i = 0; i < got[t].length; i++) {
        assertThat(got[t][i])
            .as("step %d table %d entry %d", s, t, i)
            .isCloseTo(want[t][i], offset(tolerance));
      }
    }
  }

  @Test
  void theSamplerSeesTheWholeBatchOncePerStep() {
    List<Integer> blockSizes = new ArrayList<>();
    List<Long> endSizes = new ArrayList<>();
    NegativeSampler recording =
        new NegativeSampler() {
          @Override
          public Candidates candidates(StepContext ctx, StepBatch batch, NDArray v) {
            blockSizes.add(batch.size());
            NDArray extra = ctx.itemEncoder().encode(ctx.manager().create(new long[] {9, 8}));
            return new Candidates(
                NDArrays.concat(new NDList(v, extra)),
                NDArrays.concat(
                    new NDList(batch.itemLogQ(), ctx.manager().create(new float[] {-3f, -3f}))),
                NDArrays.concat(
                    new NDList(batch.itemIds(), ctx.manager().create(new long[] {9, 8}))),
                true);
          }

          @Override
          public void onStepEnd(StepContext ctx, StepBatch batch, NDArray items) {
            endSizes.add(items.getShape().get(0));
            assertThat(batch.size()).isEqualTo((int) items.getShape().get(0));
          }
        };
    try (NDManager root = NDManager.newBaseManager();
        TestingMfModel model = new TestingMfModel(root, USERS, ITEMS, DIM);
        TrainStep step =
            TrainStep.builder()
                .setModel(model)
                .setSampler(recording)
                .setFrequencyEstimator(LOG_Q)
                .setOptimizer(LazyAdam.builder().build())
                .setManager(root)
                .optLoss(LOSS)
                .optDevices(List.of(Device.cpu(), Device.cpu(), Device.cpu()))
                .build()) {
      step.run(BATCHES[0], 0, 0);
      // a batch of two rows over three devices: two replicas
      step.run(new InteractionBatch(new long[] {1, 2}, new long[] {3, 4}), 1, 0);
    }
    assertThat(blockSizes).containsExactly(7, 2);
    assertThat(endSizes).containsExactly(7L, 2L);
  }

  @Test
  void cosineScoringOfRawTowersIsTheStepOfNormalisedTowers() {
    // loss.cosine normalises the batch's encodings and the items encoded for the sampler inside
    // the step: the same losses and updates as towers that normalise their own outputs, on one
    // device and over replicas, while the raw towers still serve unnormalised vectors
    LossConfig cosine = new LossConfig(0.5, true, true, 1.0, 1.2, 0, 0, false, false, true);
    LossConfig plain = new LossConfig(0.5, true, true, 1.0, 1.2, 0, 0, false, false, false);
    for (List<Device> devices : List.of(List.<Device>of(), List.of(Device.cpu(), Device.cpu()))) {
      try (NDManager root = NDManager.newBaseManager(Device.cpu());
          TestingMfModel normalised = new TestingMfModel(root, USERS, ITEMS, DIM, true);
          TestingMfModel raw = new TestingMfModel(root, USERS, ITEMS, DIM, false);
          TrainStep a =
              step(normalised, root, true, devices, WITH_EXTRA_IDS, sgd().get(), plain, null);
          TrainStep b = step(raw, root, true, devices, WITH_EXTRA_IDS, sgd().get(), cosine, null)) {
        for (int s = 0; s < BATCHES.length; s++) {
          assertThat(b.run(BATCHES[s], s, 0)).isCloseTo(a.run(BATCHES[s], s, 0), offset(1e-5));
          assertSameParameters(normalised, raw, s, 1e-5f);
        }
        float[] norms =
            raw.encodeItems(
                    new ai.djl.training.ParameterStore(root, false),
                    root.create(new long[] {0, 1, 2}),
                    false)
                .norm(new int[] {1})
                .toFloatArray();
        float farthest = 0;
        for (float n : norms) {
          farthest = Math.max(farthest, Math.abs(n - 1));
        }
        assertThat(farthest).isGreaterThan(0.1f);
      }
    }
    // the same loss without cosine scoring trains the raw towers differently
    try (NDManager root = NDManager.newBaseManager(Device.cpu());
        TestingMfModel normalised = new TestingMfModel(root, USERS, ITEMS, DIM, true);
        TestingMfModel raw = new TestingMfModel(root, USERS, ITEMS, DIM, false);
        TrainStep a =
            step(normalised, root, true, List.of(), WITH_EXTRA_IDS, sgd().get(), plain, null);
        TrainStep b = step(raw, root, true, List.of(), WITH_EXTRA_IDS, sgd().get(), plain, null)) {
      assertThat(b.run(BATCHES[0], 0, 0)).isNotCloseTo(a.run(BATCHES[0], 0, 0), offset(1e-3));
    }
  }

  @Test
  void theFirstDeviceMustBeTheManagers() {
    try (NDManager root = NDManager.newBaseManager(Device.cpu());
        TestingMfModel model = new TestingMfModel(root, USERS, ITEMS, DIM)) {
      assertThatThrownBy(
              () ->
                  step(
                      model,
                      root,
                      true,
                      List.of(Device.gpu(0), Device.cpu()),
                      IN_BATCH,
                      sgd().get()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("the first device must be the training manager's");
    }
  }

  private static java.util.function.Supplier<CheckpointableOptimizer> sgd() {
    return () -> Sgd.builder().optLearningRateTracker(Tracker.fixed(0.5f)).build();
  }

  private static TrainStep step(
      TestingMfModel model,
      NDManager root,
      boolean rowSparse,
      List<Device> devices,
      NegativeSampler sampler,
      CheckpointableOptimizer optimizer) {
    return step(model, root, rowSparse, devices, sampler, optimizer, LOSS, null);
  }

  private static TrainStep step(
      TestingMfModel model,
      NDManager root,
      boolean rowSparse,
      List<Device> devices,
      NegativeSampler sampler,
      CheckpointableOptimizer optimizer,
      LossConfig loss,
      CsrMatrix known) {
    return TrainStep.builder()
        .setModel(model)
        .setSampler(sampler)
        .setFrequencyEstimator(LOG_Q)
        .setOptimizer(optimizer)
        .setManager(root)
        .optLoss(loss)
        .optKnownPositives(known)
        .optRowSparse(rowSparse)
        .optDevices(devices)
        .build();
  }

  private static float[][] parameters(TestingMfModel model) {
    float[][] out = new float[2][];
    for (int t = 0; t < 2; t++) {
      out[t] = model.block().getParameters().valueAt(t).getArray().toFloatArray();
    }
    return out;
  }
}
