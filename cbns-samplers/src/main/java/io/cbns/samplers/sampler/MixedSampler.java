package io.cbns.samplers.sampler;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import java.util.SplittableRandom;

/**
 * Mixed Negative Sampling (Yang et al., WWW 2020): the in-batch candidates plus {@code
 * numNegatives} items drawn uniformly from the corpus (with replacement, shared by the batch,
 * encoded with gradient). Every column is a negative of every other row.
 *
 * <p>log q: the columns come from a mixture of B draws from the unigram distribution q and N
 * uniform draws, so every column, positive or drawn, gets the log of the mixture's per-column
 * probability
 *
 * <pre>
 *   q_mix(i) = (B * q(i) + N / numItems) / (B + N)
 * </pre>
 *
 * where {@code q(i) = exp(log q)} comes from the batch for the positives and from {@link
 * StepContext#frequency()} for the drawn items, and B is the actual batch size of the step. With
 * {@code numNegatives = 0} the sampler is exactly {@link InBatchSampler}.
 *
 * <p>Seeded {@link SplittableRandom} owned by the sampler; arrays live in the step's manager. Not
 * thread-safe.
 */
public final class MixedSampler implements NegativeSampler {
  private final UniformNegatives negatives;

  /**
   * @param numItems corpus size, at least 1
   * @param numNegatives N, at least 0
   * @param seed seed of the draws
   */
  public MixedSampler(int numItems, int numNegatives, long seed) {
    this.negatives = new UniformNegatives(numItems, numNegatives, 0, seed);
  }

  public int numNegatives() {
    return negatives.numNegatives;
  }

  @Override
  public Candidates candidates(StepContext ctx, StepBatch batch, NDArray batchItemEmbeddings) {
    requireNonNull(ctx, "ctx is null");
    int numNegatives = negatives.numNegatives;
    if (numNegatives == 0) {
      return InBatchSampler.of(batch, batchItemEmbeddings);
    }
    int b = batch.size();
    double total = (double) b + numNegatives;
    double uniformShare = numNegatives / ((double) negatives.numItems * total);

    long[] drawn = negatives.draw(ctx.step());
    float[] drawnLogQ = new float[numNegatives];
    ctx.frequency().logQ(drawn, drawnLogQ);
    for (int i = 0; i < numNegatives; i++) {
      drawnLogQ[i] = (float) Math.log(b / total * Math.exp(drawnLogQ[i]) + uniformShare);
    }
    NDArray positivesLogQ =
        batch.itemLogQ().exp().mul((float) (b / total)).add((float) uniformShare).log();
    return UniformNegatives.append(
        ctx,
        batch,
        batchItemEmbeddings,
        positivesLogQ,
        drawn,
        ctx.manager().create(drawnLogQ),
        true);
  }

  @Override
  public String describeState() {
    return "mixed: in-batch + "
        + negatives.numNegatives
        + " uniform negatives of "
        + negatives.numItems
        + " items";
  }
}
