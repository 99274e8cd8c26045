package io.cbns.samplers.sampler;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
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
  private final UniformNegatives negatives;

  /**
   * @param numItems corpus size, ids {@code [0, numItems)}, at least 1
   * @param numNegatives N, at least 1
   * @param seed seed of the draws
   */
  public UniformSampler(int numItems, int numNegatives, long seed) {
    this.negatives = new UniformNegatives(numItems, numNegatives, 1, seed);
  }

  public int numNegatives() {
    return negatives.numNegatives;
  }

  @Override
  public Candidates candidates(StepContext ctx, StepBatch batch, NDArray batchItemEmbeddings) {
    requireNonNull(ctx, "ctx is null");
    long[] drawn = negatives.draw(ctx.step());
    // every column, the positive's own included, carries the proposal's log q, a constant: the
    // correction then changes nothing, as sampled softmax with a uniform proposal requires. The
    // batch's unigram log q on the positive alone (the reference peer's choice) adds a popularity
    // prior: popular positives get a lower corrected logit and are pushed up harder.
    float logQ = (float) -Math.log(negatives.numItems);
    NDManager m = ctx.manager();
    long b = batch.hostItemIds().length;
    return UniformNegatives.append(
        ctx,
        batch,
        batchItemEmbeddings,
        m.full(new Shape(b), logQ),
        drawn,
        m.full(new Shape(negatives.numNegatives), logQ),
        false);
  }

  @Override
  public String describeState() {
    return "uniform: "
        + negatives.numNegatives
        + " negatives of "
        + negatives.numItems
        + " items per step";
  }
}
