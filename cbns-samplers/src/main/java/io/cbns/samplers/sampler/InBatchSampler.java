package io.cbns.samplers.sampler;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;

/**
 * In-batch negatives (docs/method.md, "In-batch negatives"): the candidates are the batch's own
 * positives, each with the log q of its item from the batch; every off-diagonal column is a
 * negative of its row.
 *
 * <p>Allocates nothing: the returned {@link Candidates} wrap the trainer's arrays. Stateless and
 * thread-safe.
 */
public final class InBatchSampler implements NegativeSampler {
  @Override
  public Candidates candidates(StepContext ctx, StepBatch batch, NDArray batchItemEmbeddings) {
    return of(batch, batchItemEmbeddings);
  }

  /**
   * The in-batch candidates of a batch; also what other samplers return while they add nothing.
   *
   * @param batch the batch (its {@code itemLogQ} and {@code itemIds} become the columns' own)
   * @param batchItemEmbeddings {@code float32 [B, d]} with gradient
   */
  public static Candidates of(StepBatch batch, NDArray batchItemEmbeddings) {
    requireNonNull(batch, "batch is null");
    requireNonNull(batchItemEmbeddings, "batchItemEmbeddings is null");
    return new Candidates(batchItemEmbeddings, batch.itemLogQ(), batch.itemIds(), true);
  }

  @Override
  public String describeState() {
    return "in-batch";
  }
}
