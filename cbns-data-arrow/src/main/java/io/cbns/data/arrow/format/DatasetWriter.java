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
import java.util.Comparator;
import java.util.HexFormat;
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
    requireNonNull(content, "content is null");
    requireNonNull(build, "build is null");
    Path out = outputDir.toAbsolutePath().normalize();
    checkOutput(out, overwrite);
    Path parent = out.getParent();
    Path tmp = temporarySibling(out);
    try {
      Files.createDirectories(parent);
      Files.createDirectory(tmp);
      DatasetManifest manifest = writeFiles(content, build, tmp);
      publish(tmp, out, overwrite);
      return manifest;
    } catch (IOException e) {
      throw new CbnsException(out + ": cannot write the dataset (" + e + ")", e);
    } finally {
      deleteRecursively(tmp);
    }
  }

  private static DatasetManifest writeFiles(DatasetContent c, BuildInfo build, Path dir)
      throws IOException {
    try (BufferAllocator allocator = new RootAllocator()) {
      ArrowColumns.writeInteractions(dir.resolve(DatasetLayout.TRAIN), c.train(), allocator);
      ArrowColumns.writeInteractions(dir.resolve(DatasetLayout.TEST), c.test(), allocator);
      if (c.validation() != null) {
        ArrowColumns.writeInteractions(
            dir.resolve(DatasetLayout.VALIDATION), c.validation(), allocator);
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
            new FileEntry(DatasetLayout.TRAIN, c.train().size()),
            c.validation() == null
                ? null
                : new FileEntry(DatasetLayout.VALIDATION, c.validation().size()),
            new FileEntry(DatasetLayout.TEST, c.test().size()),
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
