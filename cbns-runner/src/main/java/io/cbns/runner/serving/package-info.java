/**
 * Serving a trained run: {@link io.cbns.runner.serving.TrainedRun} reopens a run directory (config,
 * dataset, towers), {@link io.cbns.runner.serving.EmbeddingFiles} writes embeddings as Arrow IPC
 * files for an ANN index, and {@link io.cbns.runner.serving.OnnxRecommender} answers top-k queries
 * with the exported ONNX towers in ONNX Runtime.
 */
package io.cbns.runner.serving;
