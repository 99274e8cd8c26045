package io.cbns.data.arrow.format;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.data.arrow.format.DatasetManifest.BuildInfo;
import io.cbns.data.arrow.format.DatasetManifest.FileEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Writes a {@link DatasetContent} as a dataset directory, atomically: every file is written into a
 * hidden temporary sibling directory ({@code .<name>.tmp-<random>}), the manifest last, and the
 * directory is then renamed into place. A failure at any point removes the temporary directory, so
 * there is never a partial dataset at the output path.
 *
 * <p>Stateless; safe to call from several threads for different outputs.
 */
public final class DatasetWriter {
  private DatasetWriter() {}

  /** Fails unless {@code outputDir} is absent (or {@code overwrite} is set); call before work. */
  public static void checkOutput(Path outputDir, boolean overwrite) {
    if (Files.exists(outputDir) && !overwrite) {
      throw new CbnsException(
          outputDir
              + " already exists; choose another output directory, delete it, or set overwrite:"
              + " true");
    }
    if (Files.exists(outputDir) && !Files.isDirectory(outputDir)) {
      throw new CbnsException(outputDir + " exists and is not a directory");
    }
  }

  /**
   * Writes the dataset.
   *
   * @param content what to write
   * @param build provenance for the manifest
   * @param outputDir the dataset directory to create
   * @param overwrite whether an existing directory at {@code outputDir} is replaced (it is removed
   *     only after the new one is complete)
   * @return the manifest written
   * @throws CbnsException when the output exists (and {@code overwrite} is false) or on I/O errors
   */
  public static DatasetManifest write(
      DatasetContent content, BuildInfo build, Path outputDir, boolean overwrite) {
    return write(content, build, outputDir, overwrite, 0);
  }

  /**
   * Writes the dataset with each split cut into files (shards) of at most {@code shardRows} rows,
   * {@code train-00000.arrow}, {@code train-00001.arrow}, ... in order (see docs/data.md, "Sharded
   * splits"); with {@code shardRows} 0, one file per split. The content, and so the fingerprint, is
   * the same either way.
   *
   * @param shardRows the most rows of one shard, or 0 for one file per split
   * @see #write(DatasetContent, BuildInfo, Path, boolean)
   */
  public static DatasetManifest write(
      DatasetContent content, BuildInfo build, Path outputDir, boolean overwrite, int shardRows) {
    requireNonNull(content, "content is null");
    if (shardRows < 0) {
      throw new IllegalArgumentException("shardRows must be >= 0, got " + shardRows);
    }
    requireNonNull(build, "build is null");
    Path out = outputDir.toAbsolutePath().normalize();
    checkOutput(out, overwrite);
    Path parent = out.getParent();
    Path tmp = temporarySibling(out);
    try {
      Files.createDirectories(parent);
      Files.createDirectory(tmp);
      DatasetManifest manifest = writeFiles(content, build, tmp, shardRows);
      publish(tmp, out, overwrite);
      return manifest;
    } catch (IOException e) {
      throw new CbnsException(out + ": cannot write the dataset (" + e + ")", e);
    } finally {
      deleteRecursively(tmp);
    }
  }

  private static DatasetManifest writeFiles(
      DatasetContent c, BuildInfo build, Path dir, int shardRows) throws IOException {
    FileEntry train;
    FileEntry test;
    FileEntry validation = null;
    try (BufferAllocator allocator = new RootAllocator()) {
      train = writeSplit(dir, DatasetLayout.TRAIN, c.train(), shardRows, allocator);
      test = writeSplit(dir, DatasetLayout.TEST, c.test(), shardRows, allocator);
      if (c.validation() != null) {
        validation =
            writeSplit(dir, DatasetLayout.VALIDATION, c.validation(), shardRows, allocator);
      }
      ArrowColumns.writeItemCounts(
          dir.resolve(DatasetLayout.ITEM_COUNTS), c.itemTrainCounts(), allocator);
      if (c.userIdMap() != null) {
        ArrowColumns.writeIdMap(dir.resolve(DatasetLayout.USER_IDS), c.userIdMap(), allocator);
      }
      if (c.itemIdMap() != null) {
        ArrowColumns.writeIdMap(dir.resolve(DatasetLayout.ITEM_IDS), c.itemIdMap(), allocator);
      }
      if (c.itemFeatures() != null) {
        FeatureColumns.write(dir.resolve(DatasetLayout.ITEM_FEATURES), c.itemFeatures(), allocator);
      }
      if (c.userFeatures() != null) {
        FeatureColumns.write(dir.resolve(DatasetLayout.USER_FEATURES), c.userFeatures(), allocator);
      }
    }
    DatasetManifest manifest =
        new DatasetManifest(
            DatasetLayout.SCHEMA_VERSION,
            c.name(),
            c.numUsers(),
            c.numItems(),
            train,
            validation,
            test,
            new FileEntry(DatasetLayout.ITEM_COUNTS, c.numItems()),
            c.userIdMap() == null ? null : new FileEntry(DatasetLayout.USER_IDS, c.numUsers()),
            c.itemIdMap() == null ? null : new FileEntry(DatasetLayout.ITEM_IDS, c.numItems()),
            c.hasTimestamps(),
            c.hasWeights(),
            build,
            c.fingerprint(),
            c.itemFeatures() == null
                ? null
                : new DatasetManifest.FeatureFile(
                    DatasetLayout.ITEM_FEATURES,
                    c.numItems(),
                    FeatureColumns.specs(c.itemFeatures())),
            c.userFeatures() == null
                ? null
                : new DatasetManifest.FeatureFile(
                    DatasetLayout.USER_FEATURES,
                    c.numUsers(),
                    FeatureColumns.specs(c.userFeatures())));
    writeManifest(dir, manifest);
    return manifest;
  }

  /**
   * Writes one split as {@code file} ({@code shardRows} 0) or as shards named after it ({@code
   * train.arrow} gives {@code train-00000.arrow}, ...; an empty split is one empty shard).
   */
  private static FileEntry writeSplit(
      Path dir, String file, InteractionTable t, int shardRows, BufferAllocator allocator) {
    if (shardRows == 0) {
      ArrowColumns.writeInteractions(dir.resolve(file), t, allocator);
      return new FileEntry(file, t.size());
    }
    String prefix = file.substring(0, file.length() - ".arrow".length());
    List<FileEntry> shards = new ArrayList<>();
    int from = 0;
    do {
      int to = (int) Math.min(t.size(), (long) from + shardRows);
      String name = String.format(Locale.ROOT, "%s-%05d.arrow", prefix, shards.size());
      ArrowColumns.writeInteractions(dir.resolve(name), t.slice(from, to), allocator);
      shards.add(new FileEntry(name, to - from));
      from = to;
    } while (from < t.size());
    return FileEntry.sharded(shards);
  }

  /**
   * Writes {@code manifest.json} into a dataset directory being written, synced to disk; it must be
   * the last file written (a directory with a manifest is complete).
   */
  public static void writeManifest(Path dir, DatasetManifest manifest) throws IOException {
    Files.writeString(
        dir.resolve(DatasetLayout.MANIFEST),
        manifest.toJson(),
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE,
        StandardOpenOption.SYNC);
  }

  /**
   * Moves a complete dataset directory {@code tmp} (a sibling of {@code out}, manifest written
   * last) into place at {@code out}; with {@code overwrite}, an existing directory there is removed
   * only after the move, and put back if the move fails. For writers that fill {@code tmp} in
   * parallel (the Spark importer).
   */
  public static void publish(Path tmp, Path out, boolean overwrite) throws IOException {
    Path old = null;
    if (overwrite && Files.exists(out)) {
      old = out.resolveSibling("." + out.getFileName() + ".old-" + randomSuffix());
      move(out, old);
    }
    try {
      move(tmp, out);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      throw new CbnsException(
          out + " was created by someone else while this dataset was being written", e);
    } catch (IOException e) {
      if (old != null) {
        move(old, out); // put the previous dataset back
      }
      throw e;
    }
    if (old != null) {
      deleteRecursively(old);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  /** Deletes a directory tree if present; best effort (used on cleanup paths). */
  public static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // best effort: a leftover hidden temp directory is harmless
                }
              });
    } catch (IOException e) {
      // best effort
    }
  }

  /** A temporary sibling of {@code out} to write a dataset into before {@link #publish}. */
  public static Path temporarySibling(Path out) {
    return out.resolveSibling("." + out.getFileName() + ".tmp-" + randomSuffix());
  }

  private static String randomSuffix() {
    // not seeded on purpose: temp names only need to differ between concurrent writers
    return HexFormat.of().toHexDigits(new SplittableRandom().nextLong());
  }
}
