package io.cbns.samplers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.sampling.ItemEncoder;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import io.cbns.core.train.InferenceItemEncoder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A stand-in for a model in sampler tests: an item embedding table {@code [numItems, d]} that
 * requires gradient, and encoders that gather its rows. Encodings are attached to the manager of
 * the ids, as a real model's are.
 */
public final class TestingItemTable {
  private final NDArray table;

  private TestingItemTable(NDArray table) {
    this.table = table;
  }

  /** A table with normal(0, 1) entries from a seeded generator, requiring gradient. */
  public static TestingItemTable random(NDManager manager, int numItems, int dimension, long seed) {
    TestingItemTable t =
        new TestingItemTable(
            manager.create(normal(numItems * dimension, seed), new Shape(numItems, dimension)));
    t.table.setRequiresGradient(true);
    return t;
  }

  /** A seeded {@code float32 [rows, d]} array without gradient (e.g. user embeddings). */
  public static NDArray randomMatrix(NDManager manager, int rows, int dimension, long seed) {
    return manager.create(normal(rows * dimension, seed), new Shape(rows, dimension));
  }

  public NDArray table() {
    return table;
  }

  public int numItems() {
    return (int) table.getShape().get(0);
  }

  /** Gathers rows with gradient, result on the ids' manager. */
  public ItemEncoder encoder() {
    return ids -> table.get(ids.getManager(), new NDIndex("{}", ids));
  }

  /** Gathers rows without gradient, result on {@code m}. */
  public InferenceItemEncoder inferenceEncoder() {
    return (m, ids) -> table.get(m, new NDIndex("{}", m.create(ids))).stopGradient();
  }

  /** Encodes {@code ids} with gradient on {@code m}. */
  public NDArray encode(NDManager m, long[] ids) {
    return encoder().encode(m.create(ids));
  }

  /** Adds {@code scale} times seeded normal noise to the table in place (a stand-in optimizer). */
  public void perturb(double scale, long seed) {
    float[] noise = normal((int) table.size(), seed);
    float[] values = table.toFloatArray();
    for (int i = 0; i < values.length; i++) {
      values[i] += (float) (scale * noise[i]);
    }
    table.set(FloatBuffer.wrap(values));
  }

  /** Zeroes the table's accumulated gradient. */
  public void zeroGradient() {
    NDArray g = table.getGradient();
    g.subi(g);
  }

  /** The table's gradient as host floats, row-major. */
  public float[] gradient() {
    return table.getGradient().toFloatArray();
  }

  /** A batch of positives on {@code m}: user i is row i, log q from {@code frequency}. */
  public static StepBatch batch(NDManager m, long[] itemIds, FrequencyEstimator frequency) {
    long[] users = new long[itemIds.length];
    for (int i = 0; i < users.length; i++) {
      users[i] = i;
    }
    float[] logQ = new float[itemIds.length];
    frequency.logQ(itemIds, logQ);
    return new StepBatch(m.create(users), m.create(itemIds), m.create(logQ), itemIds.clone());
  }

  /** The context of step {@code step} on {@code m} with this table's encoder. */
  public StepContext context(long step, NDManager m, FrequencyEstimator frequency) {
    return new StepContext(step, 0, m, encoder(), frequency);
  }

  /** A frequency estimator giving every item the same log q. */
  public static FrequencyEstimator constantLogQ(float logQ) {
    return (ids, out) -> Arrays.fill(out, 0, ids.length, logQ);
  }

  /** A frequency estimator with log q(i) = -log(2 + i) (distinct per item, not normalised). */
  public static FrequencyEstimator distinctLogQ() {
    return (ids, out) -> {
      for (int i = 0; i < ids.length; i++) {
        out[i] = (float) -Math.log(2 + ids[i]);
      }
    };
  }

  private static float[] normal(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      // Box-Muller
      double u1 = 1.0 - r.nextDouble();
      double u2 = r.nextDouble();
      out[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    return out;
  }
}
