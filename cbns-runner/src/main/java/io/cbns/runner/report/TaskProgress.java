package io.cbns.runner.report;

import static java.util.Objects.requireNonNull;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressState;

/**
 * Shows how far one long task has got (evaluation, embedding, import): a progress bar with rate and
 * ETA when the output is a terminal, otherwise (CI, a file) a plain line at most every {@link
 * #LINE_INTERVAL_SECONDS} seconds, so that a short task prints nothing and a long one shows it is
 * alive without flooding a log.
 *
 * <p>A task of unknown size ({@code total < 0}) shows elapsed time only. The bar is drawn on
 * standard error by the progress bar library, like the training bar of {@link
 * ConsoleProgressListener}; plain lines go to the given writer. Not thread-safe: one task, updated
 * from one thread.
 */
public final class TaskProgress implements AutoCloseable {
  /** Seconds between two plain lines. */
  public static final int LINE_INTERVAL_SECONDS = 10;

  private final PrintWriter out;
  private final String task;
  private final long total;
  private final String unit;
  private final LongSupplier nanoTime;
  private final long lineIntervalNanos;
  private final long startNanos;
  private final ProgressBar bar;
  private long lastLineNanos;
  private long done;
  private boolean closed;

  private TaskProgress(
      PrintWriter out,
      boolean interactive,
      String task,
      long total,
      String unit,
      LongSupplier nanoTime,
      long lineIntervalNanos) {
    this.out = requireNonNull(out, "out is null");
    this.task = requireNonNull(task, "task is null");
    this.unit = requireNonNull(unit, "unit is null");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime is null");
    this.total = total;
    this.lineIntervalNanos = lineIntervalNanos;
    this.startNanos = nanoTime.getAsLong();
    this.lastLineNanos = startNanos;
    this.bar = interactive ? bar(task, total, unit, null) : null;
  }

  private TaskProgress(String task, long total, String unit, Consumer<String> renderedLines) {
    this.out = new PrintWriter(Writer.nullWriter());
    this.task = task;
    this.unit = unit;
    this.nanoTime = System::nanoTime;
    this.total = total;
    this.lineIntervalNanos = Long.MAX_VALUE;
    this.startNanos = nanoTime.getAsLong();
    this.lastLineNanos = startNanos;
    this.bar = bar(task, total, unit, renderedLines);
  }

  private static ProgressBar bar(
      String task, long total, String unit, Consumer<String> renderedLines) {
    ProgressBarBuilder b =
        new ProgressBarBuilder().setTaskName(task).setUpdateIntervalMillis(250).continuousUpdate();
    if (renderedLines != null) {
      b.setConsumer(new DelegatingProgressBarConsumer(renderedLines, 100));
    }
    if (total < 0) {
      // the default renderer draws "? % [=  ] 0/? (0:00:01 / ?) ? /s" for an unknown size
      b.setInitialMax(-1).setRenderer(TaskProgress::renderIndefinite);
    } else {
      // the default renderer shows "? users/s" for the whole first second (it divides by whole
      // seconds), which is all of a short evaluation
      b.setInitialMax(total).setRenderer((state, width) -> renderDefinite(state, width, unit));
    }
    return b.build();
  }

  /** {@code evaluating 41% [=====> ] 12,288/29,858 users, 0:00:01, ETA 0:00:02, 9,876 users/s}. */
  static String renderDefinite(ProgressState state, int maxLength, String unit) {
    long done = state.getCurrent() - state.getStart();
    long max = state.getMax();
    double seconds = state.getElapsedAfterStart().toNanos() / 1e9;
    double rate = seconds > 0 ? done / seconds : 0;
    double fraction = max <= 0 ? 1 : Math.min(1, (double) state.getCurrent() / max);
    String eta =
        rate > 0 && state.getCurrent() < max
            ? ", ETA " + clock((long) Math.ceil((max - state.getCurrent()) / rate))
            : "";
    String head = String.format(Locale.ROOT, "%s %3.0f%% [", state.getTaskName(), 100 * fraction);
    String tail =
        String.format(
            Locale.ROOT,
            "] %,d/%,d %s, %s%s, %s %s/s",
            state.getCurrent(),
            max,
            unit,
            clock(state.getTotalElapsed().getSeconds()),
            eta,
            rate > 0 ? String.format(Locale.ROOT, "%,.0f", rate) : "0",
            unit);
    int width = Math.max(10, Math.min(30, maxLength - head.length() - tail.length()));
    int filled = (int) Math.round(fraction * width);
    String line =
        head
            + "=".repeat(filled)
            + (filled < width ? ">" + " ".repeat(width - filled - 1) : "")
            + tail;
    return maxLength > 0 && line.length() > maxLength ? line.substring(0, maxLength) : line;
  }

  private static String clock(long seconds) {
    return String.format(
        Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
  }

  /** {@code import lightgcn [/] 0:00:03 train.txt, test.txt (45.3 MB)}. */
  private static String renderIndefinite(ProgressState state, int maxLength) {
    long seconds = state.getTotalElapsed().getSeconds();
    char spinner = "|/-\\".charAt((int) (state.getTotalElapsed().toMillis() / 250 % 4));
    String line =
        String.format(
            Locale.ROOT,
            "%s  [%c]  %d:%02d:%02d  %s",
            state.getTaskName(),
            spinner,
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            state.getExtraMessage());
    return maxLength > 0 && line.length() > maxLength ? line.substring(0, maxLength) : line;
  }

  /**
   * Starts showing a task.
   *
   * @param out where plain lines go (when not interactive)
   * @param interactive whether the output is a terminal (a bar) or a log (plain lines)
   * @param task what is being done, e.g. {@code "embedding items"}
   * @param total units of work, or a negative number when unknown
   * @param unit what is counted, e.g. {@code "users"}
   */
  public static TaskProgress start(
      PrintWriter out, boolean interactive, String task, long total, String unit) {
    return new TaskProgress(
        out,
        interactive,
        task,
        total,
        unit,
        System::nanoTime,
        LINE_INTERVAL_SECONDS * 1_000_000_000L);
  }

  /** For tests: a bar whose rendered lines go to {@code renderedLines}. */
  static TaskProgress rendering(
      String task, long total, String unit, Consumer<String> renderedLines) {
    return new TaskProgress(task, total, unit, renderedLines);
  }

  /** For tests: plain lines only, with a clock and an interval of their own. */
  static TaskProgress plain(
      PrintWriter out, String task, long total, String unit, LongSupplier nanoTime, long interval) {
    return new TaskProgress(out, false, task, total, unit, nanoTime, interval);
  }

  /** Units done so far. */
  public long done() {
    return done;
  }

  /** Adds {@code n} units done. */
  public void stepBy(long n) {
    stepTo(done + n);
  }

  /** Sets the units done so far (never goes back). */
  public void stepTo(long value) {
    if (closed || value <= done) {
      return;
    }
    done = value;
    if (bar != null) {
      bar.stepTo(value);
      return;
    }
    long now = nanoTime.getAsLong();
    if (now - lastLineNanos >= lineIntervalNanos) {
      lastLineNanos = now;
      out.println(line(now));
      out.flush();
    }
  }

  /** Text shown after the bar (interactive only), e.g. the file being read. */
  public void setMessage(String message) {
    if (bar != null) {
      bar.setExtraMessage(message);
    }
  }

  /** Removes the bar; prints nothing more (the caller reports the result). Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (bar != null) {
      bar.close();
    }
  }

  private String line(long now) {
    double seconds = (now - startNanos) / 1e9;
    if (total < 0) {
      return String.format(Locale.ROOT, "%s: %,d %s, %.0fs", task, done, unit, seconds);
    }
    double rate = seconds > 0 ? done / seconds : 0;
    String eta =
        rate > 0 ? String.format(Locale.ROOT, ", ETA %.0fs", Math.max(0, total - done) / rate) : "";
    return String.format(
        Locale.ROOT,
        "%s: %,d/%,d %s (%.0f%%), %.0fs%s",
        task,
        done,
        total,
        unit,
        total == 0 ? 100.0 : 100.0 * done / total,
        seconds,
        eta);
  }
}
