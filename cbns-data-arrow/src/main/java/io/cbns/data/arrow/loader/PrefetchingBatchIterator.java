package io.cbns.data.arrow.loader;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.InteractionBatch;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link BatchIterator} whose batches are produced ahead of the consumer by one named daemon
 * thread, at most {@code depth} batches ahead (a bounded queue, so memory stays bounded however
 * slow the consumer is).
 *
 * <p>An exception thrown by the source on the producer thread is rethrown by {@link #hasNext()} /
 * {@link #next()} as a {@link CbnsException} whose cause is the original exception, and again on
 * every later call. {@link #close()} stops the thread (interrupting it if it waits for space) and
 * may be called at any time (also from another thread, which then wakes a blocked consumer); it is
 * idempotent.
 *
 * <p>One consumer thread; {@link #waitNanos()} is the time it spent blocked waiting for a batch.
 */
public final class PrefetchingBatchIterator implements BatchIterator {
  private static final Object END = new Object();

  /** What the producer hands over when the source failed. */
  private record Failure(Throwable error) {}

  private final BlockingQueue<Object> queue;
  private final Thread thread;
  private final String name;
  private volatile boolean closed;
  private Object head;
  private long waitNanos;

  /**
   * Starts the producer thread.
   *
   * @param source produces the batches; only the producer thread touches it
   * @param depth how many batches may wait in the queue, at least 1
   * @param threadName the producer thread's name (shown in thread dumps and error messages)
   */
  public PrefetchingBatchIterator(Iterator<InteractionBatch> source, int depth, String threadName) {
    requireNonNull(source, "source is null");
    this.name = requireNonNull(threadName, "threadName is null");
    if (depth < 1) {
      throw new IllegalArgumentException("depth must be >= 1, got " + depth);
    }
    this.queue = new ArrayBlockingQueue<>(depth);
    this.thread = new Thread(() -> produce(source), threadName);
    thread.setDaemon(true);
    thread.start();
  }

  private void produce(Iterator<InteractionBatch> source) {
    Object last;
    try {
      while (!closed && source.hasNext()) {
        queue.put(source.next());
      }
      last = END;
    } catch (InterruptedException e) {
      return; // closed: nobody is waiting for the rest
    } catch (Throwable t) { // anything, so that the consumer never waits forever
      last = new Failure(t);
    }
    try {
      queue.put(last);
    } catch (InterruptedException e) {
      // closed while handing over the end marker: nobody is waiting
    }
  }

  @Override
  public boolean hasNext() {
    return peek() != END;
  }

  @Override
  public InteractionBatch next() {
    Object h = peek();
    if (h == END) {
      throw new NoSuchElementException(closed ? "iterator is closed" : "epoch is exhausted");
    }
    head = null;
    return (InteractionBatch) h;
  }

  private Object peek() {
    if (closed) {
      return END;
    }
    if (head == null) {
      head = queue.poll();
    }
    if (head == null) {
      long t0 = System.nanoTime();
      try {
        head = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CbnsException("interrupted while waiting for a batch from " + name, e);
      } finally {
        waitNanos += System.nanoTime() - t0;
      }
    }
    if (head instanceof Failure f) {
      throw new CbnsException(
          "batch prefetch thread '" + name + "' failed: " + f.error(), f.error());
    }
    return head;
  }

  @Override
  public long waitNanos() {
    return waitNanos;
  }

  /** Whether the producer thread has finished (for tests and diagnostics). */
  public boolean producerFinished() {
    return !thread.isAlive();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    thread.interrupt();
    queue.clear(); // frees the producer if it was blocked on a full queue
    head = null;
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // wakes a consumer blocked in take() if close() came from another thread
    queue.clear();
    queue.offer(END);
  }
}
