package io.cbns.data.arrow.importer;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.core.config.Options;
import io.cbns.data.arrow.format.DatasetContent;
import io.cbns.data.arrow.format.DatasetManifest;
import io.cbns.data.arrow.format.DatasetManifest.BuildInfo;
import io.cbns.data.arrow.format.DatasetManifest.SourceFile;
import io.cbns.data.arrow.format.DatasetWriter;
import io.cbns.data.arrow.format.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of {@code cbns import}: raw files to a dataset directory.
 *
 * <pre>{@code
 * Options o = Options.of("import", Map.of("path", "../shared/data/gowalla"));
 * ImportReport r = DatasetImporter.run("lightgcn", o, Path.of("data/gowalla"));
 * System.out.println(r.summary());
 * }</pre>
 *
 * <p>Stateless and thread-safe (concurrent imports must write to different directories).
 */
public final class DatasetImporter {
  private static final Logger LOG = LoggerFactory.getLogger(DatasetImporter.class);

  /** The formats {@link #run} accepts. */
  public static final List<String> FORMATS = List.of("delimited", "lightgcn");

  private DatasetImporter() {}

  /**
   * Imports {@code format} files described by {@code options} into {@code outputDir}.
   *
   * <p>Reads every option of the format plus {@code overwrite} (default false) and {@code
   * shard-rows} (default 0: one file per split; N: each split in files of at most N rows, which
   * training can stream), then rejects unknown keys. The output is written atomically: on any
   * failure there is no directory at {@code outputDir} (and an existing one is untouched).
   *
   * @param format {@code lightgcn} or {@code delimited}
   * @param options the format's options (kebab-case keys; see {@code docs/data.md})
   * @param outputDir the dataset directory to create; must not exist unless {@code overwrite}
   * @return counts, drops and timings
   * @throws io.cbns.core.config.ConfigException for a bad or unknown option (naming the key)
   * @throws CbnsException for bad input (naming {@code file:line}) or when the output exists
   */
  public static ImportReport run(String format, Options options, Path outputDir) {
    requireNonNull(format, "format is null");
    requireNonNull(options, "options is null");
    requireNonNull(outputDir, "outputDir is null");
    long t0 = System.nanoTime();
    boolean overwrite = options.getBoolean("overwrite", false);
    int shardRows = options.getInt("shard-rows", 0, 0, Integer.MAX_VALUE);
    ImportSpec spec = spec(format, options);
    options.requireAllConsumed();
    DatasetWriter.checkOutput(outputDir.toAbsolutePath().normalize(), overwrite);
    ImportSpec.Loaded loaded = spec.load();
    DatasetManifest manifest = write(spec, loaded, outputDir, overwrite, shardRows);
    double seconds = (System.nanoTime() - t0) / 1e9;
    DatasetContent c = loaded.content();
    Map<String, Long> s = loaded.stats();
    ImportReport report =
        new ImportReport(
            format,
            c.name(),
            outputDir.toAbsolutePath().normalize(),
            c.numUsers(),
            c.numItems(),
            c.train().size(),
            c.validation() == null ? 0 : c.validation().size(),
            c.test().size(),
            s.getOrDefault(ImportSupport.LINES, 0L),
            s.getOrDefault(ImportSupport.BELOW_THRESHOLD, 0L),
            s.getOrDefault(ImportSupport.DUPLICATES, 0L),
            s.getOrDefault(ImportSupport.TRAIN_TEST_OVERLAP, 0L),
            s.getOrDefault(ImportSupport.UNSEEN_DROPPED, 0L),
            s.getOrDefault(ImportSupport.UNSEEN_KEPT, 0L),
            manifest.fingerprint(),
            seconds);
    // the caller prints the report (cbns import does): logged for the record only
    LOG.debug("{}", report.summary());
    return report;
  }

  /**
   * Reads and validates the options of {@code format} (without {@code overwrite}, and without
   * rejecting unknown keys: callers that own the section do that).
   *
   * @throws io.cbns.core.config.ConfigException for an unknown format
   */
  public static ImportSpec spec(String format, Options options) {
    return switch (format) {
      case "lightgcn" -> LightGcnImport.fromOptions(options);
      case "delimited" -> DelimitedImport.fromOptions(options);
      default ->
          throw new io.cbns.core.config.ConfigException(
              "",
              "unknown import format '" + format + "'; available: " + String.join(", ", FORMATS));
    };
  }

  /**
   * Writes a loaded import to {@code outputDir} (atomically) with its provenance.
   *
   * @param shardRows the most rows of one split file, or 0 for one file per split
   * @return the manifest written
   */
  public static DatasetManifest write(
      ImportSpec spec, ImportSpec.Loaded loaded, Path outputDir, boolean overwrite, int shardRows) {
    BuildInfo build =
        new BuildInfo(
            spec.format(),
            spec.resolvedOptions(),
            spec.seed(),
            sourceFiles(spec.sourceFiles()),
            loaded.stats());
    return DatasetWriter.write(loaded.content(), build, outputDir, overwrite, shardRows);
  }

  /** Size and SHA-256 of each file. */
  public static List<SourceFile> sourceFiles(List<Path> files) {
    List<SourceFile> out = new ArrayList<>();
    for (Path f : files) {
      try {
        out.add(new SourceFile(f.toString(), Files.size(f), Sha256.ofFile(f)));
      } catch (IOException e) {
        throw new CbnsException(f + ": cannot read (" + e.getMessage() + ")", e);
      }
    }
    return out;
  }
}
