package io.cbns.core.sampling;

import ai.djl.ndarray.NDArray;
import io.cbns.core.checkpoint.Checkpointable;

/**
 * Chooses the negatives of each training step.
 *
 * <p>Per step the trainer calls {@link #candidates} inside the gradient scope, computes the loss
 * and applies the optimizer, then calls {@link #onStepEnd} outside it.
 *
 * <p><b>NDArray ownership.</b> Arrays passed in belong to the trainer's step manager. Arrays
 * returned in {@link Candidates} must be attached to the step manager ({@link
 * StepContext#manager()}) unless they are long-lived state of the sampler (a memory bank), which
 * the sampler creates in its own manager and frees in {@link #close()}. State written in {@code
 * onStepEnd} must be copied out of the step's arrays, which are freed right after.
 *
 * <p><b>Checkpoints.</b> A sampler with state that changes during training (a memory bank, a
 * warm-up decision) must implement {@link Checkpointable#saveState} and {@link
 * Checkpointable#loadState}, so that a resumed run continues exactly; random draws should come from
 * a stream seeded by the configured seed and {@link StepContext#step()}, which then needs no
 * saving. The defaults save nothing, which is right for stateless samplers only.
 *
 * <p>Not thread-safe; one trainer drives it.
 */
public interface NegativeSampler extends AutoCloseable, Checkpointable {
  /**
   * The candidate columns for this step.
   *
   * @param ctx the step
   * @param batch the batch (ids and log q of the positives)
   * @param batchItemEmbeddings {@code float32 [B, d]}, the item tower's encoding of the batch's
   *     positives, with gradient
   * @return columns {@code [0, B)} must be {@code batchItemEmbeddings} in row order
   */
  Candidates candidates(StepContext ctx, StepBatch batch, NDArray batchItemEmbeddings);

  /**
   * Called after the optimizer step. Stateful samplers (memory banks) record what they need.
   *
   * @param ctx the step
   * @param batch the batch
   * @param detachedItemEmbeddings {@code float32 [B, d]}, the batch's item encodings without
   *     gradient (computed before the update, as the paper's bank stores them)
   */
  default void onStepEnd(StepContext ctx, StepBatch batch, NDArray detachedItemEmbeddings) {}

  /**
   * The options whose effective value the configuration does not spell out, resolved: what an
   * {@code auto} became (a bank mode, a warm-up rule). The runner writes them into {@code run.json}
   * ({@code effective.sampler}), so that a run says what actually ran. The default is empty.
   */
  default java.util.Map<String, String> effectiveOptions() {
    return java.util.Map.of();
  }

  /** A one-line description of the sampler's current state, for logs (e.g. bank fill). */
  default String describeState() {
    return "";
  }

  @Override
  default void close() {}
}
