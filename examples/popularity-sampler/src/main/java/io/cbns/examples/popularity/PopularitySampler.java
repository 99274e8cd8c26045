package io.cbns.examples.popularity;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import java.util.SplittableRandom;

/**
 * Popularity-biased negatives (word2vec-style): each step draws {@code numNegatives} items, with
 * replacement and shared by the batch, from
 *
 * <pre>
 *   p(i) = q(i)^alpha / sum_j q(j)^alpha
 * </pre>
 *
 * where q is the frequency estimator's estimate ({@link StepContext#frequency()}). The drawn items
 * are encoded with gradient through {@link StepContext#itemEncoder()}. Each row's softmax holds its
 * own positive and the drawn items (the batch's other positives are not negatives). log q per
 * column: {@code log p(i)} of the proposal, for the drawn items and for each row's own positive
 * alike, so that the core loss's logQ correction removes the sampling bias (sampled softmax
 * corrects the target's logit by the proposal's probability too, not by the data's).
 *
 * <p>The distribution is built from q at the first step (and again every {@code refreshEvery} steps
 * when that is positive, for streaming estimators): {@code O(numItems)} host memory and time then,
 * {@code O(N log numItems)} per step. Draws come from a {@link SplittableRandom} seeded by the seed
 * and the step, so a resumed run draws what the uninterrupted one would have (nothing to
 * checkpoint). Arrays are attached to the step's manager; the sampler holds no NDArray. Not
 * thread-safe.
 */
public final class PopularitySampler implements NegativeSampler {
  private final int numItems;
  private final int numNegatives;
  private final double alpha;
  private final long refreshEvery;
  private final long seed;
  private double[] cumulative;
  private float[] logP;
  private long builtAt = -1;

  /**
   * @param numItems corpus size, at least 1
   * @param numNegatives N, at least 1
   * @param alpha exponent of q, in [0, 2]
   * @param refreshEvery steps between rebuilds of the distribution (0: build once)
   * @param seed seed of the draws
   */
  public PopularitySampler(
      int numItems, int numNegatives, double alpha, long refreshEvery, long seed) {
    if (numItems < 1 || numNegatives < 1) {
      throw new IllegalArgumentException("numItems and numNegatives must be >= 1");
    }
    if (!(alpha >= 0 && alpha <= 2) || refreshEvery < 0) {
      throw new IllegalArgumentException("alpha must be in [0, 2] and refreshEvery >= 0");
    }
    this.numItems = numItems;
    this.numNegatives = numNegatives;
    this.alpha = alpha;
    this.refreshEvery = refreshEvery;
    this.seed = seed;
  }

  @Override
  public Candidates candidates(StepContext ctx, StepBatch batch, NDArray batchItemEmbeddings) {
    requireNonNull(ctx, "ctx is null");
    if (builtAt < 0 || (refreshEvery > 0 && ctx.step() - builtAt >= refreshEvery)) {
      build(ctx);
    }
    // every column's log p under the proposal: the rows' own positives first, then the draws
    long[] positives = batch.hostItemIds();
    float[] columnLogP = new float[positives.length + numNegatives];
    for (int i = 0; i < positives.length; i++) {
      columnLogP[i] = logP[(int) positives[i]];
    }
    long[] drawn = new long[numNegatives];
    SplittableRandom random = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * (ctx.step() + 1));
    for (int i = 0; i < numNegatives; i++) {
      int item = draw(random.nextDouble());
      drawn[i] = item;
      columnLogP[positives.length + i] = logP[item];
    }
    NDManager m = ctx.manager();
    NDArray drawnIds = m.create(drawn);
    NDArray negatives = ctx.itemEncoder().encode(drawnIds);
    return new Candidates(
        NDArrays.concat(new NDList(batchItemEmbeddings, negatives)),
        m.create(columnLogP),
        NDArrays.concat(new NDList(batch.itemIds(), drawnIds)),
        false);
  }

  /** log p(item) of the current distribution; for tests and diagnostics. */
  public double logProbability(int item) {
    if (logP == null) {
      throw new IllegalStateException("the distribution is built at the first step");
    }
    return logP[item];
  }

  @Override
  public String describeState() {
    return "popularity: " + numNegatives + " negatives per step, q^" + alpha;
  }

  private void build(StepContext ctx) {
    long[] all = new long[numItems];
    for (int i = 0; i < numItems; i++) {
      all[i] = i;
    }
    float[] logQ = new float[numItems];
    ctx.frequency().logQ(all, logQ);
    // work in log space: q^alpha underflows for rare items in large catalogues
    double max = Double.NEGATIVE_INFINITY;
    for (float lq : logQ) {
      max = Math.max(max, alpha * lq);
    }
    double[] cdf = new double[numItems];
    double sum = 0;
    for (int i = 0; i < numItems; i++) {
      sum += Math.exp(alpha * logQ[i] - max);
      cdf[i] = sum;
    }
    double logZ = max + Math.log(sum);
    float[] lp = new float[numItems];
    for (int i = 0; i < numItems; i++) {
      lp[i] = (float) (alpha * logQ[i] - logZ);
      cdf[i] /= sum;
    }
    this.cumulative = cdf;
    this.logP = lp;
    this.builtAt = ctx.step();
  }

  private int draw(double u) {
    int lo = 0;
    int hi = numItems - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] <= u) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
