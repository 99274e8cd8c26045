package io.cbns.core.sampling;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;

/**
 * The candidate columns of one step's sampled softmax.
 *
 * <p>Columns {@code [0, B)} are the batch's positives in row order (column {@code i} is row {@code
 * i}'s positive, the label). Columns {@code [B, C)} are extra negatives shared by all rows (uniform
 * samples encoded with gradient, memory-bank entries without).
 *
 * @param embeddings {@code float32 [C, d]}
 * @param logQ {@code float32 [C]}, log sampling probability of each column, subtracted from the
 *     logits when logQ correction is on
 * @param itemIds {@code int64 [C]}, the item of each column, for accidental-hit masking; a negative
 *     id never matches a row
 * @param batchNegatives whether columns {@code [0, B)} other than the row's own positive serve as
 *     negatives (in-batch sampling); when false they are masked out
 * @param gradientColumns how many leading columns may carry gradient to their embeddings; the
 *     columns after them are constants (a memory bank's cached embeddings), so the loss computes
 *     their logits without a gradient to them: a {@code [C - g, d]} matrix product less in every
 *     backward pass. C (every column) when not given, which is always correct; a smaller value must
 *     only be given when those columns' embeddings really need no gradient
 */
public record Candidates(
    NDArray embeddings,
    NDArray logQ,
    NDArray itemIds,
    boolean batchNegatives,
    long gradientColumns) {
  public Candidates {
    requireNonNull(embeddings, "embeddings is null");
    requireNonNull(logQ, "logQ is null");
    requireNonNull(itemIds, "itemIds is null");
    long c = embeddings.getShape().get(0);
    if (gradientColumns < 0 || gradientColumns > c) {
      throw new IllegalArgumentException(
          "gradientColumns must be in [0, " + c + "], got " + gradientColumns);
    }
  }

  /** Candidates whose columns may all carry gradient. */
  public Candidates(NDArray embeddings, NDArray logQ, NDArray itemIds, boolean batchNegatives) {
    this(
        embeddings,
        logQ,
        itemIds,
        batchNegatives,
        requireNonNull(embeddings, "embeddings is null").getShape().get(0));
  }

  /** The number of columns C. */
  public long size() {
    return embeddings.getShape().get(0);
  }
}
