/**
 * What a person sees of a run: progress while it runs ({@link
 * io.cbns.runner.report.ConsoleProgressListener} for training and evaluation, {@link
 * io.cbns.runner.report.TaskProgress} for other long tasks; bars on a terminal, throttled plain
 * lines in a log), and the files written from a finished run directory (the self-contained {@code
 * report.html}, the drift chart, the comparison of several runs).
 */
package io.cbns.runner.report;
