package io.cbns.data.arrow.source;

import io.cbns.core.config.Options;
import io.cbns.core.data.DatasetContext;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.spi.DatasetSourceFactory;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.format.DatasetManifest.BuildInfo;
import io.cbns.data.arrow.format.DatasetWriter;
import io.cbns.data.arrow.importer.ImportSpec;
import io.cbns.data.arrow.synthetic.SyntheticConfig;
import io.cbns.data.arrow.synthetic.SyntheticGenerator;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code data.source: synthetic}: the embedded default dataset. Generated from {@link
 * SyntheticConfig} into {@code <cacheDir>/synthetic-<hash of the options>} on first use, then read
 * back through {@link io.cbns.data.arrow.ArrowInteractionDataset} like any other dataset.
 */
public final class SyntheticSource implements DatasetSourceFactory {
  @Override
  public String name() {
    return "synthetic";
  }

  @Override
  public String description() {
    return "deterministic latent-factor users/items with Zipf popularity (the embedded default)";
  }

  @Override
  public InteractionDataset open(DatasetContext ctx, Options options) {
    SyntheticConfig config = SyntheticConfig.fromOptions(options);
    return open(ctx.cacheDir(), config);
  }

  /** Opens (generating on first use) the dataset of {@code config} under {@code cacheDir}. */
  public static ArrowInteractionDataset open(Path cacheDir, SyntheticConfig config) {
    Map<String, Object> resolved = config.resolvedOptions();
    Path dir = cacheDir.resolve(DatasetCache.entryName("synthetic", resolved));
    return DatasetCache.openOrBuild(
        dir,
        m -> m.build().importer().equals("synthetic") && sameOptions(m.build(), resolved),
        target -> {
          ImportSpec.Loaded loaded = SyntheticGenerator.generate(config);
          BuildInfo build =
              new BuildInfo("synthetic", resolved, config.seed(), List.of(), loaded.stats());
          DatasetWriter.write(loaded.content(), build, target, false);
        });
  }

  static boolean sameOptions(BuildInfo build, Map<String, Object> resolved) {
    // values went through JSON: compare their text, not their boxed types
    return String.valueOf(new TreeMap<>(build.options()))
        .equals(String.valueOf(new TreeMap<>(resolved)));
  }
}
