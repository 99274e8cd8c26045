package io.cbns.samplers.sampler;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import java.util.SplittableRandom;

/**
 * Uniform negatives: each step draws {@code numNegatives} items uniformly from the corpus (with
 * replacement, shared by every row of the batch) and encodes them with gradient through {@link
 * StepContext#itemEncoder()}. Each row's softmax holds its own positive and the N drawn items; the
 * batch's other positives are not negatives ({@link Candidates#batchNegatives()} is false).
 *
 * <p>log q per column: the positives keep the batch's log q (from the frequency estimator), the
 * drawn columns get {@code log(1 / numItems)}, as in the PyTorch reference peer.
 *
 * <p>The draws come from a {@link SplittableRandom} owned by the sampler and seeded at
 * construction, so a run is reproducible. Arrays it creates live in the step's manager. Not
 * thread-safe.
 */
public final class UniformSampler implements NegativeSampler {
  private final int numItems;
  private final int numNegatives;
  private final SplittableRandom random;

  /**
   * @param numItems corpus size, ids {@code [0, numItems)}, at least 1
   * @param numNegatives N, at least 1
   * @param seed seed of the draws
   */
  public UniformSampler(int numItems, int numNegatives, long seed) {
    if (numItems < 1) {
      throw new IllegalArgumentException("numItems must be >= 1, got " + numItems);
    }
    if (numNegatives < 1) {
      throw new IllegalArgumentException("numNegatives must be >= 1, got " + numNegatives);
    }
    this.numItems = numItems;
    this.numNegatives = numNegatives;
    this.random = new SplittableRandom(seed);
  }

  public int numNegatives() {
    return numNegatives;
  }

  @Override
  public Candidates candidates(StepContext ctx, StepBatch batch, NDArray batchItemEmbeddings) {
    requireNonNull(ctx, "ctx is null");
    NDManager m = ctx.manager();
    NDArray negativeIds = m.create(UniformDraws.draw(random, numItems, numNegatives));
    NDArray negatives = ctx.itemEncoder().encode(negativeIds);
    NDArray negativeLogQ = m.full(new Shape(numNegatives), (float) -Math.log(numItems));
    return new Candidates(
        NDArrays.concat(new NDList(batchItemEmbeddings, negatives)),
        NDArrays.concat(new NDList(batch.itemLogQ(), negativeLogQ)),
        NDArrays.concat(new NDList(batch.itemIds(), negativeIds)),
        false);
  }

  @Override
  public String describeState() {
    return "uniform: " + numNegatives + " negatives of " + numItems + " items per step";
  }
}
