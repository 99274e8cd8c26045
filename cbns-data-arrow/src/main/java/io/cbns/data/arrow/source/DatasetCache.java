package io.cbns.data.arrow.source;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.format.DatasetLayout;
import io.cbns.data.arrow.format.DatasetManifest;
import io.cbns.data.arrow.format.DatasetWriter;
import io.cbns.data.arrow.format.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dataset directories built on first use and reused afterwards, under a cache directory, one
 * subdirectory per key (a hash of everything the content depends on). An entry is reused only if it
 * opens and verifies (see {@link ArrowInteractionDataset#open}) and its manifest matches; a broken
 * or stale entry is rebuilt. Entries are written atomically, so concurrent runs that build the same
 * entry are safe: the first rename wins and the others use its result.
 *
 * <p>Stateless.
 */
public final class DatasetCache {
  private static final Logger LOG = LoggerFactory.getLogger(DatasetCache.class);

  private DatasetCache() {}

  /**
   * A stable directory name: {@code <prefix>-<first 16 hex digits of the SHA-256 of the key>}.
   *
   * @param prefix a readable prefix (sanitised to {@code [A-Za-z0-9._-]})
   * @param key everything the content depends on, as a sorted map of plain values
   */
  public static String entryName(String prefix, Map<String, ?> key) {
    String clean = prefix.replaceAll("[^A-Za-z0-9._-]", "_");
    return clean + "-" + Sha256.ofString(new TreeMap<>(key).toString()).substring(0, 16);
  }

  /**
   * Opens the entry at {@code dir}, building it first when it is missing or invalid.
   *
   * @param dir the entry directory
   * @param matches whether an existing entry's manifest is the one wanted
   * @param build writes a complete dataset at the given directory (atomically)
   */
  public static ArrowInteractionDataset openOrBuild(
      Path dir, Predicate<DatasetManifest> matches, Consumer<Path> build) {
    requireNonNull(dir, "dir is null");
    if (Files.isDirectory(dir)) {
      try {
        ArrowInteractionDataset ds = ArrowInteractionDataset.open(dir);
        if (matches.test(ds.manifest())) {
          LOG.info("using cached dataset {}", dir);
          return ds;
        }
        LOG.warn("cached dataset {} does not match its options; rebuilding it", dir);
      } catch (CbnsException e) {
        LOG.warn("cached dataset {} is invalid ({}); rebuilding it", dir, e.getMessage());
      }
      DatasetWriter.deleteRecursively(dir);
    }
    try {
      LOG.info("building dataset {}", dir);
      build.accept(dir);
    } catch (CbnsException e) {
      if (Files.isRegularFile(dir.resolve(DatasetLayout.MANIFEST))) {
        LOG.info("dataset {} was built concurrently by another run; using it", dir);
        return ArrowInteractionDataset.open(dir);
      }
      throw e;
    }
    return ArrowInteractionDataset.open(dir);
  }
}
