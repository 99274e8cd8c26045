package io.cbns.data.arrow;

import io.cbns.core.spi.CbnsPlugin;
import io.cbns.core.spi.DatasetSourceFactory;
import io.cbns.data.arrow.source.ArrowDirectorySource;
import io.cbns.data.arrow.source.ImportedSource;
import io.cbns.data.arrow.source.SyntheticSource;
import java.util.List;

/**
 * The data plugin: dataset sources {@code synthetic} (the embedded default), {@code arrow} (a
 * dataset directory), {@code lightgcn} and {@code delimited} (raw files imported into the cache on
 * first use). Registered in {@code META-INF/services/io.cbns.core.spi.CbnsPlugin}.
 */
public final class ArrowDataPlugin implements CbnsPlugin {
  @Override
  public String name() {
    return "arrow-data";
  }

  @Override
  public List<DatasetSourceFactory> datasetSources() {
    return List.of(
        new SyntheticSource(),
        new ArrowDirectorySource(),
        new ImportedSource("lightgcn"),
        new ImportedSource("delimited"));
  }
}
