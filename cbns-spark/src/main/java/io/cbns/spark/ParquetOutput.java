package io.cbns.spark;

import io.cbns.core.CbnsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An output directory of a Spark job that appears complete or not at all: the job writes into a
 * hidden sibling ({@code .NAME.tmp-UUID}), which is renamed to the output when the job has
 * succeeded and deleted when it has failed. An existing output is never overwritten. The path must
 * be on a file system that the driver and every executor share.
 */
final class ParquetOutput {
  private ParquetOutput() {}

  /** Fails unless {@code out} can be created. */
  static void requireAbsent(Path out) {
    if (Files.exists(out)) {
      throw new CbnsException(out + " exists; remove it or choose another output directory");
    }
  }

  /** Runs {@code write} on a temporary directory and renames it to {@code out}. */
  static void write(Path out, Consumer<Path> write) {
    requireAbsent(out);
    Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp-" + UUID.randomUUID());
    RuntimeException failure = null;
    try {
      write.accept(tmp);
      Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      failure = new UncheckedIOException("could not move " + tmp + " to " + out, e);
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      deleteTree(tmp);
    } catch (RuntimeException e) {
      // the job's own failure, if any, is the one to report
      if (failure == null) {
        throw e;
      }
      failure.addSuppressed(e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + dir, e);
    }
  }
}
