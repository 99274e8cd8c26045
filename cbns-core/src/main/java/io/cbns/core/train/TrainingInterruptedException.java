package io.cbns.core.train;

import io.cbns.core.CbnsException;
import java.nio.file.Path;

/**
 * Training stopped on request (Ctrl-C) at the end of a step, after writing a checkpoint from which
 * it can continue.
 */
public final class TrainingInterruptedException extends CbnsException {
  private final long step;
  private final transient Path checkpoint;

  /**
   * @param step the global steps completed
   * @param checkpoint the checkpoint written, or null when checkpoints are off
   */
  public TrainingInterruptedException(long step, Path checkpoint) {
    super(
        "training interrupted after step "
            + step
            + (checkpoint == null
                ? "; checkpoints are off (checkpoint.enabled: false), so it cannot be resumed"
                : "; checkpoint written to "
                    + checkpoint
                    + "; continue with: ./cbns train --resume "
                    + checkpoint.toAbsolutePath().getParent()));
    this.step = step;
    this.checkpoint = checkpoint;
  }

  /** The global steps completed. */
  public long step() {
    return step;
  }

  /** The checkpoint written before stopping, or null when checkpoints are off. */
  public Path checkpoint() {
    return checkpoint;
  }
}
