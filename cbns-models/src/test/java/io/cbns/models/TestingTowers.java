package io.cbns.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.FeatureTable;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.loss.SampledSoftmaxLoss;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.sampling.Candidates;
import java.util.SplittableRandom;

/** Tiny datasets and a training loop that drives models the way the trainer does. */
public final class TestingTowers {
  private TestingTowers() {}

  /** User u interacts with items {@code (u * 3 + k) % items} for k in [0, perUser). */
  public static CsrMatrix toyHistories(int users, int items, int perUser) {
    int[] rows = new int[users * perUser];
    int[] cols = new int[rows.length];
    for (int u = 0; u < users; u++) {
      for (int k = 0; k < perUser; k++) {
        rows[u * perUser + k] = u;
        cols[u * perUser + k] = (u * 3 + k) % items;
      }
    }
    return CsrMatrix.fromPairs(users, items, rows, cols);
  }

  public static TowerContext context(
      NDManager manager, CsrMatrix train, int d, boolean normalize, long seed) {
    return new TowerContext(
        train.numRows(), train.numColumns(), d, normalize, seed, train, manager);
  }

  /**
   * Toy item features for {@code items} items: a single-valued {@code genre} (vocabulary 3), a
   * multi-valued {@code tags} (vocabulary 5; every third item has none) and a dense {@code vec} of
   * width 2.
   */
  public static FeatureTable toyItemFeatures(int items) {
    int[] genreOffsets = new int[items + 1];
    int[] genre = new int[items];
    int[] tagOffsets = new int[items + 1];
    java.util.List<Integer> tags = new java.util.ArrayList<>();
    float[] vec = new float[items * 2];
    for (int i = 0; i < items; i++) {
      genre[i] = i % 3;
      genreOffsets[i + 1] = i + 1;
      if (i % 3 != 2) {
        tags.add(i % 5);
        if (i % 2 == 0) {
          tags.add((i + 2) % 5);
        }
      }
      tagOffsets[i + 1] = tags.size();
      vec[2 * i] = (i % 4) / 4f;
      vec[2 * i + 1] = -(i % 7) / 7f;
    }
    return new FeatureTable(
        items,
        java.util.List.of(
            new FeatureTable.CategoricalFeature("genre", 3, genreOffsets, genre),
            new FeatureTable.CategoricalFeature(
                "tags", 5, tagOffsets, tags.stream().mapToInt(Integer::intValue).toArray())),
        java.util.List.of(new FeatureTable.DenseFeature("vec", 2, vec)));
  }

  /** A context with item (and optionally user) features. */
  public static TowerContext featureContext(
      NDManager manager,
      CsrMatrix train,
      int d,
      boolean normalize,
      long seed,
      FeatureTable items,
      FeatureTable users) {
    return new TowerContext(
        train.numRows(),
        train.numColumns(),
        d,
        normalize,
        seed,
        train,
        java.util.Optional.of(items),
        java.util.Optional.ofNullable(users),
        manager);
  }

  /** All (user, item) pairs of {@code train}: [0] users, [1] items. */
  public static long[][] pairs(CsrMatrix train) {
    long[] users = new long[train.nonZeros()];
    long[] items = new long[users.length];
    int i = 0;
    for (int u = 0; u < train.numRows(); u++) {
      for (int c : train.row(u)) {
        users[i] = u;
        items[i++] = c;
      }
    }
    return new long[][] {users, items};
  }

  /** A trainer-style parameter store: DJL Adam through a local parameter server. */
  public static ParameterStore adamStore(NDManager manager, float learningRate) {
    ParameterStore ps = new ParameterStore(manager, false);
    Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(learningRate)).build();
    ps.setParameterServer(new LocalParameterServer(adam), new Device[] {manager.getDevice()});
    return ps;
  }

  /** In-batch sampled softmax on one batch; with {@code ps} carrying an optimizer, one step. */
  public static float step(
      TwoTowerModel model,
      ParameterStore ps,
      NDManager root,
      long[] users,
      long[] items,
      double temperature,
      boolean update) {
    SampledSoftmaxLoss loss = new SampledSoftmaxLoss(new LossConfig(temperature, false, true));
    try (NDManager step = root.newSubManager()) {
      NDArray userIds = step.create(users);
      NDArray itemIds = step.create(items);
      float value;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray u = model.encodeUsers(ps, userIds, itemIds, update);
        NDArray v = model.encodeItems(ps, itemIds, update);
        Candidates c = new Candidates(v, step.zeros(new Shape(items.length)), itemIds, true);
        NDArray l = loss.compute(u, c, itemIds);
        value = l.getFloat();
        if (update) {
          gc.backward(l);
        }
      }
      if (update) {
        ps.updateAllParameters();
      }
      return value;
    }
  }

  /** Random batches of size {@code batch} from {@code pairs}, trained for {@code steps}. */
  public static void train(
      TwoTowerModel model,
      ParameterStore ps,
      NDManager root,
      long[][] pairs,
      int batch,
      int steps,
      double temperature,
      long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    for (int s = 0; s < steps; s++) {
      long[] users = new long[batch];
      long[] items = new long[batch];
      for (int i = 0; i < batch; i++) {
        int k = random.nextInt(pairs[0].length);
        users[i] = pairs[0][k];
        items[i] = pairs[1][k];
      }
      step(model, ps, root, users, items, temperature, true);
    }
  }

  /**
   * Trains {@code model} for {@code steps} in-batch steps, then encodes every pair's user and item
   * in inference in a caller's manager, and asserts that neither added an array to {@code models},
   * the manager the model and its optimizer state live on. Every array of a step or an inference
   * call must land on the caller's manager: an op invoked on a parameter puts its result on the
   * parameter's manager, which lives as long as the model. The first step runs before the count is
   * taken, since it creates the optimizer state.
   */
  public static void trainLeavingNothingOnTheModelsManager(
      TwoTowerModel model,
      ParameterStore ps,
      NDManager root,
      NDManager models,
      long[][] pairs,
      int batch,
      int steps,
      double temperature,
      String description) {
    train(model, ps, root, pairs, batch, 1, temperature, 1);
    int afterFirst = models.getManagedArrays().size();
    train(model, ps, root, pairs, batch, steps - 1, temperature, 11);
    assertThat(models.getManagedArrays().size())
        .as("%s, training", description)
        .isEqualTo(afterFirst);
    try (NDManager chunk = root.newSubManager()) {
      ParameterStore inference = new ParameterStore(chunk, false);
      model.encodeUsers(inference, chunk.create(pairs[0]), null, false);
      model.encodeItems(inference, chunk.create(pairs[1]), false);
    }
    assertThat(models.getManagedArrays().size())
        .as("%s, inference", description)
        .isEqualTo(afterFirst);
  }
}
