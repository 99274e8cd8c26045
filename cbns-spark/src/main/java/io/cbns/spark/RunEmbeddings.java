package io.cbns.spark;

import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import io.cbns.core.data.InteractionDataset;
import io.cbns.serving.EmbeddingFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A run's user and item embeddings ({@code RUN_DIR/embeddings}, written by {@code cbns embed
 * --users}), as row-major arrays in dense-id order, checked against the run's dataset.
 *
 * @param dimension d
 * @param users {@code [numUsers, d]}
 * @param items {@code [numItems, d]}
 */
record RunEmbeddings(int dimension, float[] users, float[] items) {
  static RunEmbeddings read(Path runDir, InteractionDataset dataset) {
    RunDirectory run = RunDirectory.of(runDir);
    Path items = run.itemEmbeddings();
    Path users = run.embeddingsDir().resolve(RunDirectory.USER_EMBEDDINGS_FILE);
    for (Path f : List.of(items, users)) {
      if (!Files.isRegularFile(f)) {
        throw new CbnsException(
            "no " + f + "; write the embeddings first: cbns embed --users " + runDir);
      }
    }
    EmbeddingFiles.Table itemTable = EmbeddingFiles.read(items);
    EmbeddingFiles.Table userTable = EmbeddingFiles.read(users);
    if (itemTable.dimension() != userTable.dimension()) {
      throw new CbnsException(
          items
              + " and "
              + users
              + " have different dimensions ("
              + itemTable.dimension()
              + " and "
              + userTable.dimension()
              + "); re-run cbns embed --users "
              + runDir);
    }
    return new RunEmbeddings(
        itemTable.dimension(),
        byId(userTable, dataset.info().numUsers(), users),
        byId(itemTable, dataset.info().numItems(), items));
  }

  /** The rows of {@code table} in id order, checking that every id 0..n-1 is there once. */
  private static float[] byId(EmbeddingFiles.Table table, int n, Path file) {
    if (table.ids().length != n) {
      throw new CbnsException(
          file
              + " has "
              + table.ids().length
              + " rows, the run's dataset "
              + n
              + "; re-run cbns embed");
    }
    int d = table.dimension();
    float[] out = new float[n * d];
    boolean[] seen = new boolean[n];
    for (int r = 0; r < n; r++) {
      int id = table.ids()[r];
      if (id < 0 || id >= n || seen[id]) {
        throw new CbnsException(file + ": id " + id + " out of range or repeated");
      }
      seen[id] = true;
      System.arraycopy(table.values(), r * d, out, id * d, d);
    }
    return out;
  }
}
