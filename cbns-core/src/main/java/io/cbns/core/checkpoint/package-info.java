/**
 * Checkpoints: the state a training run needs to continue exactly where it stopped (parameters,
 * optimizer moments, memory bank, frequency estimates, the trainer's position), written atomically
 * to one file. Components that hold state implement {@link io.cbns.core.checkpoint.Checkpointable}.
 */
package io.cbns.core.checkpoint;
