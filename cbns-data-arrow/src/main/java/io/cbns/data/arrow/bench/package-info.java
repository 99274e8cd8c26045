/**
 * A command-line tool that exports a cbns dataset in the LightGCN format ({@link
 * io.cbns.data.arrow.bench.ExportLightGcn}), to train the PyTorch reference on the same data. The
 * data path's benchmarks are JMH benchmarks in the module {@code cbns-benchmarks}.
 */
package io.cbns.data.arrow.bench;
