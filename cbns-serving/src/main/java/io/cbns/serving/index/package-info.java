/**
 * Inner-product top-k over the item embeddings with excluded items: {@link
 * io.cbns.serving.index.ItemIndex}, exactly ({@link io.cbns.serving.index.ExactIndex}) or through
 * an HNSW graph of Lucene ({@link io.cbns.serving.index.HnswIndex}); {@link
 * io.cbns.serving.index.TopK} and {@link io.cbns.serving.index.IndexComparison} (recall and speed
 * of one against the other).
 */
package io.cbns.serving.index;
