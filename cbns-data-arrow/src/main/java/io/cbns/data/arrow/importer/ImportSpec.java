package io.cbns.data.arrow.importer;

import io.cbns.data.arrow.format.DatasetContent;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One import, fully configured (options read and validated) but not yet run. Created by {@link
 * DatasetImporter#spec}; {@link #load()} parses the source files and assembles the content.
 * Immutable; {@link #load()} may be called more than once.
 */
public interface ImportSpec {
  /** The format name ({@code lightgcn}, {@code delimited}). */
  String format();

  /** The options every importer reads (name, unseen policy, validation ratio, seed). */
  CommonImportOptions common();

  /** The dataset name. */
  default String name() {
    return common().name();
  }

  /** The seed of every random choice (splits). */
  default long seed() {
    return common().seed();
  }

  /** The files the import reads (absolute), in a fixed order. */
  List<Path> sourceFiles();

  /**
   * The resolved options (kebab-case keys, defaults filled in), for the manifest. Paths are
   * absolute.
   */
  Map<String, Object> resolvedOptions();

  /** The option keys that only say where the source is (excluded from content cache keys). */
  List<String> locationKeys();

  /** Parses and assembles. */
  Loaded load();

  /**
   * The result of {@link #load()}.
   *
   * @param content the assembled dataset
   * @param stats counters for the manifest and the report ({@code lines}, {@code duplicates}, ...)
   */
  record Loaded(DatasetContent content, Map<String, Long> stats) {
    public Loaded {
      Objects.requireNonNull(content, "content is null");
      // insertion order is kept so that manifests are byte-for-byte reproducible
      stats = Collections.unmodifiableMap(new LinkedHashMap<>(stats));
    }
  }
}
