package io.cbns.benchmarks.e2e;

import io.cbns.core.train.StepInfo;
import io.cbns.core.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples {@link ProcessMemory} after every {@code every}-th step (steps {@code every}, {@code 2 *
 * every}, ...), so that growth can be read per step. Sampling reads one small {@code /proc} file;
 * it costs well under a millisecond. With {@code collectFirst} a full garbage collection runs
 * before each sample (tens of milliseconds), so that the heap figure is the live heap: what a leak
 * check needs, since the pools' after-collection usage is not updated by every kind of collection.
 * Not thread-safe; the trainer calls listeners from its own thread.
 */
public final class MemorySampler implements TrainingListener {
  private final int every;
  private final boolean collectFirst;
  private final List<Point> points = new ArrayList<>();

  /**
   * @param every sample after every this many steps, at least 1
   * @param collectFirst whether to run {@code System.gc()} before each sample
   */
  public MemorySampler(int every, boolean collectFirst) {
    if (every < 1) {
      throw new IllegalArgumentException("every must be >= 1, got " + every);
    }
    this.every = every;
    this.collectFirst = collectFirst;
  }

  /**
   * A sample taken after {@code steps} steps.
   *
   * @param steps steps done when sampled
   * @param memory the sample
   */
  public record Point(long steps, ProcessMemory.Sample memory) {}

  @Override
  public void onStep(StepInfo step) {
    long done = step.step() + 1;
    if (done % every == 0) {
      if (collectFirst) {
        System.gc();
      }
      points.add(new Point(done, ProcessMemory.sample()));
    }
  }

  /** The samples, in order. */
  public List<Point> points() {
    return List.copyOf(points);
  }
}
