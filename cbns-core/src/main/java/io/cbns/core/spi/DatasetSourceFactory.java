package io.cbns.core.spi;

import io.cbns.core.config.Options;
import io.cbns.core.data.DatasetContext;
import io.cbns.core.data.InteractionDataset;

/** Opens (or generates) an {@link InteractionDataset}; selected by {@code data.source}. */
public interface DatasetSourceFactory extends NamedFactory {
  /**
   * @param ctx a cache directory and the run seed
   * @param options the {@code data} section; the factory reads its own keys
   * @throws io.cbns.core.config.ConfigException for a bad option
   * @throws io.cbns.core.CbnsException when the data cannot be read
   */
  InteractionDataset open(DatasetContext ctx, Options options);
}
