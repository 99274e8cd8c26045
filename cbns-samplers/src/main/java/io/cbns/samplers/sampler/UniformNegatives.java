package io.cbns.samplers.sampler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import java.util.SplittableRandom;

/**
 * What the uniform and mixed samplers share: {@code numNegatives} item ids drawn uniformly from
 * {@code [0, numItems)} (with replacement, from a {@link SplittableRandom} seeded by the sampler's
 * seed and the step, so a resumed run draws what the uninterrupted one would have, with no state to
 * checkpoint), encoded with gradient and appended after the batch's own columns. Not thread-safe.
 */
final class UniformNegatives {
  final int numItems;
  final int numNegatives;
  private final long seed;

  /**
   * @param numItems corpus size, at least 1
   * @param numNegatives N, at least {@code minNegatives}
   * @param seed seed of the draws
   */
  UniformNegatives(int numItems, int numNegatives, int minNegatives, long seed) {
    if (numItems < 1) {
      throw new IllegalArgumentException("numItems must be >= 1, got " + numItems);
    }
    if (numNegatives < minNegatives) {
      throw new IllegalArgumentException(
          "numNegatives must be >= " + minNegatives + ", got " + numNegatives);
    }
    this.numItems = numItems;
    this.numNegatives = numNegatives;
    this.seed = new SplittableRandom(seed).nextLong();
  }

  /** The {@code numNegatives} draws of global step {@code step}. */
  long[] draw(long step) {
    SplittableRandom random = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * (step + 1));
    long[] ids = new long[numNegatives];
    for (int i = 0; i < numNegatives; i++) {
      ids[i] = random.nextInt(numItems);
    }
    return ids;
  }

  /**
   * The batch's columns followed by the drawn items', encoded through {@link
   * StepContext#itemEncoder()}; new arrays live in {@code ctx.manager()}.
   *
   * @param positivesLogQ {@code float32 [B]}, the log q of the batch's columns
   * @param drawnLogQ {@code float32 [N]}, the log q of the drawn columns
   */
  static Candidates append(
      StepContext ctx,
      StepBatch batch,
      NDArray batchItemEmbeddings,
      NDArray positivesLogQ,
      long[] drawn,
      NDArray drawnLogQ,
      boolean batchNegatives) {
    NDManager m = ctx.manager();
    NDArray drawnIds = m.create(drawn);
    NDArray negatives = ctx.itemEncoder().encode(drawnIds);
    return new Candidates(
        NDArrays.concat(new NDList(batchItemEmbeddings, negatives)),
        NDArrays.concat(new NDList(positivesLogQ, drawnLogQ)),
        NDArrays.concat(new NDList(batch.itemIds(), drawnIds)),
        batchNegatives);
  }
}
