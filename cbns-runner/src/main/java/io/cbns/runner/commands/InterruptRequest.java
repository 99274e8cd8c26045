package io.cbns.runner.commands;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns the first Ctrl-C (SIGINT) into a request polled by the trainer, which finishes the step,
 * writes a checkpoint and stops; a second Ctrl-C quits at once (exit code 130). The previous
 * handler is put back by {@link #close()}.
 */
final class InterruptRequest implements BooleanSupplier, AutoCloseable {
  private static final Signal INT = new Signal("INT");

  private final AtomicBoolean requested = new AtomicBoolean();
  private final SignalHandler previous;

  private InterruptRequest(PrintWriter err) {
    this.previous =
        Signal.handle(
            INT,
            signal -> {
              if (requested.getAndSet(true)) {
                Runtime.getRuntime().halt(130);
              }
              err.println(
                  "interrupt: stopping after this step and writing a checkpoint"
                      + " (Ctrl-C again to quit without one)");
              err.flush();
            });
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
    Signal.handle(INT, previous);
  }
}
