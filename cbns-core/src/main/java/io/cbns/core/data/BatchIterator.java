package io.cbns.core.data;

import java.util.Iterator;

/**
 * The batches of one epoch. {@link #next()} may block while a prefetch thread prepares the next
 * batch; an error on that thread is rethrown by {@code next()} or {@code hasNext()} with its cause.
 * Closing stops any background work; it is safe to close before the epoch is exhausted.
 */
public interface BatchIterator extends Iterator<InteractionBatch>, AutoCloseable {
  /** Nanoseconds the consumer spent blocked waiting for a batch so far in this epoch. */
  default long waitNanos() {
    return 0;
  }

  @Override
  void close();
}
