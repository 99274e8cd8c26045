/**
 * A command-line benchmark of the data path ({@link io.cbns.data.arrow.bench.DataBenchmark}):
 * import time and peak heap, dataset open time, loader throughput per epoch.
 */
package io.cbns.data.arrow.bench;
