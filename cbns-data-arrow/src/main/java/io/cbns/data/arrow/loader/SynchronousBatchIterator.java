package io.cbns.data.arrow.loader;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.InteractionBatch;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A {@link BatchIterator} that produces each batch on the consumer's thread ({@code prefetch: 0}).
 * {@link #waitNanos()} counts the time spent producing batches, since that is time the consumer
 * waited for data.
 *
 * <p>Not thread-safe: one consumer.
 */
public final class SynchronousBatchIterator implements BatchIterator {
  private final Iterator<InteractionBatch> source;
  private long waitNanos;
  private boolean closed;

  public SynchronousBatchIterator(Iterator<InteractionBatch> source) {
    this.source = requireNonNull(source, "source is null");
  }

  @Override
  public boolean hasNext() {
    return !closed && source.hasNext();
  }

  @Override
  public InteractionBatch next() {
    if (!hasNext()) {
      throw new NoSuchElementException(closed ? "iterator is closed" : "epoch is exhausted");
    }
    long t0 = System.nanoTime();
    try {
      return source.next();
    } finally {
      waitNanos += System.nanoTime() - t0;
    }
  }

  @Override
  public long waitNanos() {
    return waitNanos;
  }

  @Override
  public void close() {
    closed = true;
  }
}
