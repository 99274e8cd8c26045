package io.cbns.data.arrow.source;

import static java.util.Objects.requireNonNull;

import io.cbns.core.config.Options;
import io.cbns.core.data.DatasetContext;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.spi.DatasetSourceFactory;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.format.DatasetManifest.SourceFile;
import io.cbns.data.arrow.importer.DatasetImporter;
import io.cbns.data.arrow.importer.ImportSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code data.source: lightgcn} and {@code data.source: delimited}: raw files imported into the
 * cache directory on first use, then opened like any dataset directory. The cache entry is keyed by
 * the SHA-256 of the source files and the options that shape the content (not by where the files
 * are), so {@code data: {source: lightgcn, path: ../shared/data/gowalla}} imports once and is
 * reused from any working directory; editing a source file re-imports it.
 *
 * <p>Options: those of the importer of the same name (see {@link DatasetImporter}).
 */
public final class ImportedSource implements DatasetSourceFactory {
  private final String format;

  /**
   * @param format an importer format ({@code lightgcn} or {@code delimited})
   */
  public ImportedSource(String format) {
    this.format = requireNonNull(format, "format is null");
    if (!DatasetImporter.FORMATS.contains(format)) {
      throw new IllegalArgumentException("unknown import format " + format);
    }
  }

  @Override
  public String name() {
    return format;
  }

  @Override
  public String description() {
    return format.equals("lightgcn")
        ? "LightGCN-format directory (option path: train.txt/test.txt), imported once into the"
            + " cache"
        : "CSV/TSV/any-separator file(s) (option path or train-path/test-path), imported once into"
            + " the cache";
  }

  @Override
  public InteractionDataset open(DatasetContext ctx, Options options) {
    ImportSpec spec = DatasetImporter.spec(format, options);
    return open(ctx.cacheDir(), spec);
  }

  /** Opens the cached import of {@code spec} under {@code cacheDir}, importing it if needed. */
  public static ArrowInteractionDataset open(Path cacheDir, ImportSpec spec) {
    List<SourceFile> files = DatasetImporter.sourceFiles(spec.sourceFiles());
    Map<String, Object> key = new TreeMap<>(spec.resolvedOptions());
    spec.locationKeys().forEach(key::remove);
    key.put("format", spec.format());
    for (int k = 0; k < files.size(); k++) {
      key.put("source-" + k, files.get(k).sha256());
    }
    Path dir = cacheDir.resolve(DatasetCache.entryName(spec.format() + "-" + spec.name(), key));
    List<String> hashes = files.stream().map(SourceFile::sha256).toList();
    return DatasetCache.openOrBuild(
        dir,
        m ->
            m.build().importer().equals(spec.format())
                && m.build().sourceFiles().stream().map(SourceFile::sha256).toList().equals(hashes),
        target -> DatasetImporter.write(spec, spec.load(), target, false, 0));
  }
}
