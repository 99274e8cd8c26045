package io.cbns.core.checkpoint;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * A training component whose state must survive a restart for training to continue exactly: a
 * sampler with a memory bank, a streaming frequency estimator, an optimizer with moments.
 *
 * <p><b>Contract.</b> {@link #loadState} is called on a component built from the same configuration
 * as the one that called {@link #saveState}, before the first step of the resumed run, and must
 * read exactly what {@code saveState} wrote (the checkpoint fails with a clear error otherwise).
 * State that is a deterministic function of the configuration and the step (seeded per-step random
 * draws) need not be saved. Stateless components write nothing; that is the default.
 *
 * <p>Arrays read back are copied into the component's existing arrays (or created in its own
 * manager); the streams are owned by the caller. Called on the training thread only.
 */
public interface Checkpointable {
  /** Writes the state. The default writes nothing (stateless). */
  default void saveState(DataOutputStream out) throws IOException {}

  /** Restores what {@link #saveState} wrote. The default reads nothing (stateless). */
  default void loadState(DataInputStream in) throws IOException {}
}
