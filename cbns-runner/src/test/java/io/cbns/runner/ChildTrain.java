package io.cbns.runner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code cbns train} in a child JVM with the test's class path, for tests that need a
 * process.
 */
final class ChildTrain {
  private ChildTrain() {}

  /**
   * @param jvmOptions options of the child JVM (heap, collector)
   * @param cliArgs the arguments after {@code train}
   * @param log where stdout and stderr go
   */
  static Process start(List<String> jvmOptions, List<String> cliArgs, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--add-opens=java.base/java.nio=org.apache.arrow.memory.core,ALL-UNNAMED");
    cmd.addAll(jvmOptions);
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.cbns.runner.Main");
    cmd.add("train");
    cmd.addAll(cliArgs);
    // the environment (DJL_CACHE_DIR, MKL_CBWR) is inherited from the test JVM
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }
}
