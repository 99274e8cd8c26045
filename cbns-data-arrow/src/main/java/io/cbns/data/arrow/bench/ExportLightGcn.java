package io.cbns.data.arrow.bench;

import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.InteractionDataset;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.source.SyntheticSource;
import io.cbns.data.arrow.synthetic.SyntheticConfig;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a dataset's train and test splits as a LightGCN directory ({@code train.txt}, {@code
 * test.txt}: {@code user item item ...}), so that tools outside this project (e.g. the PyTorch
 * reference implementation of docs/PERFORMANCE.md) can train on exactly the same data.
 *
 * <p>Usage: {@code ExportLightGcn (DATASET_DIR | synthetic) OUT_DIR}; {@code synthetic} is the
 * default synthetic dataset (generated into {@code OUT_DIR/.cache}).
 */
public final class ExportLightGcn {
  private ExportLightGcn() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: ExportLightGcn (DATASET_DIR | synthetic) OUT_DIR");
      System.exit(2);
    }
    Path out = Path.of(args[1]);
    Files.createDirectories(out);
    try (InteractionDataset ds =
        args[0].equals("synthetic")
            ? SyntheticSource.open(out.resolve(".cache"), SyntheticConfig.defaults())
            : ArrowInteractionDataset.open(Path.of(args[0]))) {
      write(ds.trainByUser(), out.resolve("train.txt"));
      write(ds.testByUser(), out.resolve("test.txt"));
      System.out.println("wrote " + out.toAbsolutePath() + " from " + ds.info());
    }
  }

  /** One line per user with at least one item. */
  public static void write(CsrMatrix m, Path file) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (int u = 0; u < m.numRows(); u++) {
        if (m.rowLength(u) == 0) {
          continue;
        }
        w.write(Integer.toString(u));
        for (int i : m.row(u)) {
          w.write(' ');
          w.write(Integer.toString(i));
        }
        w.write('\n');
      }
    }
  }
}
