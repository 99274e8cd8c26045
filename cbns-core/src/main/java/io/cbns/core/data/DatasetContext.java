package io.cbns.core.data;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * What a {@link io.cbns.core.spi.DatasetSourceFactory} gets besides its options.
 *
 * @param cacheDir a directory where generated or converted data may be kept between runs
 * @param seed the run seed (sources that generate data derive theirs from their own options)
 */
public record DatasetContext(Path cacheDir, long seed) {
  public DatasetContext {
    requireNonNull(cacheDir, "cacheDir is null");
  }
}
