package io.cbns.core.loss;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.cbns.core.sampling.Candidates;

/**
 * Sampled softmax cross-entropy over candidate columns (PAPER.md eq. 1-4 and 9):
 *
 * <pre>
 *   logits[i, j] = u_i . c_j / temperature  - log q_j      (the log q term when correction is on)
 *   loss         = mean_i ( -log softmax(logits[i, :])[i] )
 * </pre>
 *
 * where column {@code i} (of the first B) is row {@code i}'s positive. A column is removed from row
 * {@code i}'s softmax (its logit set to minus infinity, so it contributes neither to the loss nor
 * to the gradient) when it is a batch column other than {@code i} and the candidates say batch
 * columns are not negatives, or, with masking on, when it holds row {@code i}'s positive item
 * without being column {@code i} (an accidental hit).
 *
 * <p>Stateless and thread-safe. All intermediate arrays are attached to the manager of {@code
 * userEmbeddings}; the returned scalar too.
 */
public final class SampledSoftmaxLoss {
  private final LossConfig config;

  public SampledSoftmaxLoss(LossConfig config) {
    this.config = requireNonNull(config, "config is null");
  }

  public LossConfig config() {
    return config;
  }

  /**
   * The mean loss over the batch.
   *
   * @param userEmbeddings {@code float32 [B, d]}
   * @param candidates {@code C >= B} columns, the first B being the rows' positives
   * @param positiveItemIds {@code int64 [B]}
   * @return a {@code float32} scalar
   */
  public NDArray compute(NDArray userEmbeddings, Candidates candidates, NDArray positiveItemIds) {
    return perRow(userEmbeddings, candidates, positiveItemIds).mean();
  }

  /**
   * The loss of each row, {@code float32 [B]}: {@code -log p(positive_i | user_i)}.
   *
   * <p>How, for speed (every step runs it; the {@code [B, C]} passes dominate a step): the users
   * are scaled by {@code 1 / temperature} before the product ({@code [B, d]}, not {@code [B, C]});
   * the positive's logit comes from a row-wise dot product; the loss is {@code logsumexp(row) -
   * positive}; accidental hits are found on the host from the ids (they are few) and set to minus
   * infinity in place, instead of comparing and selecting over all {@code [B, C]} cells; and when
   * batch columns are not negatives, only the extra columns are multiplied at all.
   *
   * @see #compute
   */
  public NDArray perRow(NDArray userEmbeddings, Candidates candidates, NDArray positiveItemIds) {
    long b = userEmbeddings.getShape().get(0);
    long c = candidates.size();
    if (c < b) {
      throw new IllegalArgumentException(
          "candidates (" + c + ") fewer than batch rows (" + b + ")");
    }
    NDManager m = userEmbeddings.getManager();
    NDArray users =
        config.temperature() != 1.0
            ? userEmbeddings.div((float) config.temperature())
            : userEmbeddings;
    NDArray embeddings = candidates.embeddings();
    NDArray positive = users.mul(embeddings.get("0:{}", b)).sum(new int[] {1});
    if (config.logQCorrection()) {
      positive = positive.sub(candidates.logQ().get("0:{}", b));
    }
    // the columns that serve as negatives: all (the positive's own column among them), or the
    // extra ones only, the positive then being added to the log-sum-exp separately
    long first = candidates.batchNegatives() ? 0 : b;
    if (first == c) {
      return positive.sub(positive); // no negatives: p(positive) = 1
    }
    NDArray columns = first == 0 ? embeddings : embeddings.get("{}:", first);
    NDArray logits = users.matMul(columns.transpose());
    if (config.logQCorrection()) {
      NDArray logQ = candidates.logQ();
      logits = logits.sub((first == 0 ? logQ : logQ.get("{}:", first)).reshape(1, c - first));
    }
    if (config.maskAccidentalHits()) {
      long[] cells =
          hitCells(positiveItemIds.toLongArray(), candidates.itemIds().toLongArray(), (int) first);
      if (cells.length > 0) {
        // in place through a flat view: autograd then gives those cells no gradient
        logits.reshape(-1).set(new NDIndex("{}", m.create(cells)), Float.NEGATIVE_INFINITY);
      }
    }
    return logSumExp(logits, first == 0 ? null : positive).sub(positive);
  }

  /**
   * The accidental hits as flat indices into the {@code [B, C - first]} logits: cell {@code (i, j -
   * first)} for every column {@code j >= first} that holds row {@code i}'s positive item, other
   * than row {@code i}'s own column {@code j = i}. Negative column ids match nothing.
   */
  static long[] hitCells(long[] positives, long[] columnIds, int first) {
    int b = positives.length;
    long width = columnIds.length - first;
    // rows by positive item: rows[k] for k in [start[id], start[id] + count[id]) after a sort
    Integer[] order = new Integer[b];
    for (int i = 0; i < b; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (x, y) -> Long.compare(positives[x], positives[y]));
    java.util.Map<Long, int[]> range = new java.util.HashMap<>(b * 2);
    for (int k = 0; k < b; ) {
      int end = k + 1;
      while (end < b && positives[order[end]] == positives[order[k]]) {
        end++;
      }
      range.put(positives[order[k]], new int[] {k, end});
      k = end;
    }
    long[] cells = new long[16];
    int n = 0;
    for (int j = first; j < columnIds.length; j++) {
      int[] r = columnIds[j] < 0 ? null : range.get(columnIds[j]);
      if (r == null) {
        continue;
      }
      for (int k = r[0]; k < r[1]; k++) {
        int row = order[k];
        if (row != j) {
          if (n == cells.length) {
            cells = java.util.Arrays.copyOf(cells, n * 2);
          }
          cells[n++] = row * width + (j - first);
        }
      }
    }
    return java.util.Arrays.copyOf(cells, n);
  }

  /**
   * {@code log(sum_j exp(x[i, j]) + exp(extra[i]))} per row, {@code extra} optional, stable: the
   * row maximum (without gradient; it cancels) is taken out before the exponential.
   */
  private static NDArray logSumExp(NDArray x, NDArray extra) {
    NDArray max = x.max(new int[] {1});
    if (extra != null) {
      max = NDArrays.maximum(max, extra);
    }
    max = max.stopGradient();
    NDArray sum = x.sub(max.expandDims(1)).exp().sum(new int[] {1});
    if (extra != null) {
      sum = sum.add(extra.sub(max).exp());
    }
    return sum.log().add(max);
  }
}
