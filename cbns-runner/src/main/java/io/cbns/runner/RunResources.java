package io.cbns.runner;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one run opened (engine manager, dataset, towers, sampler, listeners), closed in the reverse
 * order of opening. Guice creates a run's parts but does not close them; {@link RunModule}'s
 * providers register each part here as they create it, and {@link TrainJob} closes this when the
 * run ends, successfully or not.
 *
 * <p>Closing goes on past a part that fails to close: the first failure is rethrown after every
 * part has been closed, later ones are logged. Not thread-safe.
 */
public final class RunResources implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunResources.class);

  private final Deque<AutoCloseable> opened = new ArrayDeque<>();
  private boolean closed;

  /** Registers {@code resource} to be closed with the run; returns it. */
  public <T extends AutoCloseable> T register(T resource) {
    if (closed) {
      throw new IllegalStateException("the run's resources are already closed");
    }
    opened.push(resource);
    return resource;
  }

  /** Parts registered and not yet closed. */
  public int size() {
    return opened.size();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException first = null;
    while (!opened.isEmpty()) {
      AutoCloseable resource = opened.pop();
      try {
        resource.close();
      } catch (Exception e) {
        if (first == null) {
          first =
              e instanceof RuntimeException r
                  ? r
                  : new IllegalStateException("could not close " + resource, e);
        } else {
          LOG.warn("could not close {}: {}", resource, e.getMessage());
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
