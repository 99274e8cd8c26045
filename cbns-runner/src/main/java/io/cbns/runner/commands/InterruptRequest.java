package io.cbns.runner.commands;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns the first Ctrl-C (SIGINT) or SIGTERM into a request polled by the trainer, which finishes
 * the step, writes a checkpoint and stops; a second one quits at once (exit code 130). SIGTERM is
 * what {@code kill PID} and batch schedulers send before they kill a job, and the signal a job
 * started in the background still receives (a shell starts background jobs with SIGINT ignored, and
 * the JVM then installs no SIGINT handler). The previous handlers are put back by {@link #close()}.
 */
final class InterruptRequest implements BooleanSupplier, AutoCloseable {
  private static final Signal INT = new Signal("INT");
  private static final Signal TERM = new Signal("TERM");

  private final AtomicBoolean requested = new AtomicBoolean();
  private final SignalHandler previousInt;
  private final SignalHandler previousTerm;

  private InterruptRequest(PrintWriter err) {
    SignalHandler handler =
        signal -> {
          if (requested.getAndSet(true)) {
            Runtime.getRuntime().halt(130);
          }
          err.println(
              "interrupt (SIG"
                  + signal.getName()
                  + "): stopping after this step and writing a checkpoint"
                  + " (Ctrl-C or SIGTERM again to quit without one)");
          err.flush();
        };
    this.previousInt = Signal.handle(INT, handler);
    this.previousTerm = Signal.handle(TERM, handler);
  }

  static InterruptRequest install(PrintWriter err) {
    return new InterruptRequest(err);
  }

  @Override
  public boolean getAsBoolean() {
    return requested.get();
  }

  @Override
  public void close() {
    Signal.handle(INT, previousInt);
    Signal.handle(TERM, previousTerm);
  }
}
