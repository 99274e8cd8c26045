/** Full-ranking evaluation (Recall@K, NDCG@K over all items, train items excluded). */
package io.cbns.core.eval;
