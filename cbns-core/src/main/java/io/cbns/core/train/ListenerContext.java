package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;

/**
 * What a {@link io.cbns.core.spi.ListenerFactory} gets besides its own options.
 *
 * @param runDirectory the run's directory, where a listener may write its files
 * @param seed the run seed
 * @param manager a manager on the training device for arrays the listener keeps across steps (it
 *     must not close it)
 */
public record ListenerContext(Path runDirectory, long seed, NDManager manager) {
  public ListenerContext {
    requireNonNull(runDirectory, "runDirectory is null");
    requireNonNull(manager, "manager is null");
  }
}
