package io.cbns.spark;

import io.cbns.core.model.OnnxContract;
import io.cbns.serving.ServedRun;
import io.cbns.serving.onnx.OnnxTowers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One set of ONNX Runtime sessions per executor JVM: the exported towers of a run, opened with the
 * serving module's code ({@link ServedRun#towers}) on the first task that needs them and shared by
 * every later task of that JVM (sessions are thread-safe). They are closed when the JVM exits.
 */
final class ExecutorTowers {
  private static final Map<String, Entry> OPEN = new HashMap<>();

  private record Entry(ServedRun run, OnnxTowers towers) {}

  private ExecutorTowers() {}

  /** The towers in {@code onnxDir} for the dataset of {@code runDir}, opened once per JVM. */
  static synchronized OnnxTowers of(Path runDir, Path onnxDir) {
    // towers exported again into the same folder are new towers
    String key =
        runDir.toAbsolutePath().normalize()
            + "\n"
            + onnxDir.toAbsolutePath().normalize()
            + "\n"
            + modified(onnxDir.resolve(OnnxContract.USER_TOWER_FILE))
            + "\n"
            + modified(onnxDir.resolve(OnnxContract.ITEM_TOWER_FILE));
    Entry e = OPEN.get(key);
    if (e == null) {
      ServedRun run = ServedRun.open(runDir);
      try {
        e = new Entry(run, ServedRun.towers(onnxDir, run.dataset()).build());
      } catch (RuntimeException ex) {
        run.close();
        throw ex;
      }
      if (OPEN.isEmpty()) {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorTowers::closeAll));
      }
      OPEN.put(key, e);
    }
    return e.towers();
  }

  private static String modified(Path file) {
    try {
      return Files.getLastModifiedTime(file) + "/" + Files.size(file);
    } catch (IOException e) {
      return "missing";
    }
  }

  private static synchronized void closeAll() {
    for (Entry e : OPEN.values()) {
      e.towers().close();
      e.run().close();
    }
    OPEN.clear();
  }
}
