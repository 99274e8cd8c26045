package io.cbns.serving.index;

/**
 * The knobs of an HNSW graph as Lucene builds it.
 *
 * @param maxConnections M: the neighbours each node keeps per layer (2M on the bottom layer); more
 *     gives higher recall at the same search beam, a larger index and a slower build. Lucene's
 *     default is 16
 * @param beamWidth the candidates considered while inserting a node (efConstruction); more gives a
 *     better graph and a slower build. Lucene's default is 100
 */
public record HnswSettings(int maxConnections, int beamWidth) {
  /** Lucene's defaults: M = 16, beam width 100. */
  public static final HnswSettings DEFAULT = new HnswSettings(16, 100);

  public HnswSettings {
    if (maxConnections < 2 || maxConnections > 512) {
      throw new IllegalArgumentException(
          "maxConnections must be in [2, 512], got " + maxConnections);
    }
    if (beamWidth < 1 || beamWidth > 3200) {
      throw new IllegalArgumentException("beamWidth must be in [1, 3200], got " + beamWidth);
    }
  }
}
