package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * Where and how often the trainer writes checkpoints, and whether it starts from one.
 *
 * @param file the checkpoint file (replaced atomically each time)
 * @param everySteps also write one every this many global steps (0: at epoch ends only)
 * @param fingerprint identifies the configuration; resuming from a checkpoint of another is refused
 * @param resume whether to continue from {@code file} instead of starting fresh
 */
public record Checkpointing(Path file, long everySteps, String fingerprint, boolean resume) {
  public Checkpointing {
    requireNonNull(file, "file is null");
    requireNonNull(fingerprint, "fingerprint is null");
    if (everySteps < 0) {
      throw new IllegalArgumentException("everySteps must be >= 0, got " + everySteps);
    }
  }
}
