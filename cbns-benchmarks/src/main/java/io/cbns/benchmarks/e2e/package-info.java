/**
 * The end-to-end training harness behind {@code benchmarks/e2e.sh} and {@code
 * benchmarks/memory.sh}: {@link io.cbns.benchmarks.e2e.TrainRun} runs the CLI's own {@code
 * TrainJob} (same configuration keys as {@code cbns train}) with two extra listeners, one that
 * times every step and one that samples the process's memory, and prints one JSON line.
 */
package io.cbns.benchmarks.e2e;
