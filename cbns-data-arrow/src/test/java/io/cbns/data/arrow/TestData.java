package io.cbns.data.arrow;

import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.InteractionBatch;
import io.cbns.core.data.InteractionDataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Helpers shared by the tests: fixture files and the reference data folder. */
public final class TestData {
  private TestData() {}

  /** Writes {@code text} to {@code dir/name} (creating {@code dir}) and returns the file. */
  public static Path write(Path dir, String name, String text) {
    try {
      Files.createDirectories(dir);
      return Files.writeString(dir.resolve(name), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The Gowalla LightGCN split: {@code shared/data/gowalla} found by walking up from the working
   * directory (tests run in the module directory; the repository is cloned next to shared/).
   */
  public static Optional<Path> gowalla() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared/data/gowalla");
      if (Files.isRegularFile(candidate.resolve("train.txt"))
          && Files.isRegularFile(candidate.resolve("test.txt"))) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The names in a directory (to check that a failed write left nothing behind). */
  public static List<String> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code user:item} pairs of one epoch's train batches, in batch order. */
  public static List<String> epochPairs(InteractionDataset ds, BatchSpec spec, int epoch) {
    List<String> out = new ArrayList<>();
    try (BatchIterator it = ds.trainBatches(spec, epoch)) {
      while (it.hasNext()) {
        InteractionBatch b = it.next();
        for (int k = 0; k < b.size(); k++) {
          out.add(b.userIds()[k] + ":" + b.itemIds()[k]);
        }
      }
    }
    return out;
  }
}
