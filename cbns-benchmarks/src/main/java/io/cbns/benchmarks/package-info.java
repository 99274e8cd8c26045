/**
 * Measurements of cbns, kept in the build so that they compile with every change but never run in
 * it: JMH micro-benchmarks ({@link io.cbns.benchmarks.micro}), the end-to-end training harness
 * behind {@code benchmarks/e2e.sh} ({@link io.cbns.benchmarks.e2e}) and the data they share ({@link
 * io.cbns.benchmarks.fixture}). Commands and results: {@code docs/PERFORMANCE.md}.
 */
package io.cbns.benchmarks;
