/**
 * Serving exported towers without the training stack: {@link io.cbns.serving.Recommender} (the
 * towers, an item index and the users' train items), {@link io.cbns.serving.ServedRun} (a run
 * directory opened from its {@code run.json}), {@link io.cbns.serving.EmbeddingFiles} and {@link
 * io.cbns.serving.IdMap}. The parts live in {@code onnx} (sessions and inputs), {@code index}
 * (exact and HNSW search, top-k) and {@code http} (the endpoint). See docs/serving.md.
 */
package io.cbns.serving;
