package io.cbns.serving;

import static java.util.Objects.requireNonNull;

import io.cbns.serving.index.HnswIndex;

/**
 * How a run is served.
 *
 * @param provider the ONNX Runtime execution provider of the towers
 * @param exact search every item even when the run has an HNSW index
 * @param efSearch HNSW candidates per query (at least 1; {@code max(efSearch, k)} are searched)
 */
public record ServingOptions(Provider provider, boolean exact, int efSearch) {
  /** Automatic provider, the run's HNSW index when it has one, the default {@code ef}. */
  public static final ServingOptions DEFAULT =
      new ServingOptions(Provider.AUTO, false, HnswIndex.DEFAULT_EF_SEARCH);

  public ServingOptions {
    requireNonNull(provider, "provider is null");
    if (efSearch < 1) {
      throw new IllegalArgumentException("efSearch must be >= 1, got " + efSearch);
    }
  }
}
