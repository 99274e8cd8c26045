package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

  /**
   * Runs {@code cbns train} to its end in a child JVM (3 minutes at most) and asserts that it
   * succeeded, with its output as the failure's description.
   *
   * @return {@code log}
   */
  static Path runToEnd(List<String> jvmOptions, List<String> cliArgs, Path log) throws Exception {
    Process p = start(jvmOptions, cliArgs, log);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("finished").isTrue();
    assertThat(p.exitValue()).as(Files.readString(log)).isZero();
    return log;
  }

  /**
   * The small cross-batch run both child-JVM tests start from: the embedded synthetic source with
   * 400 users and 300 items, d = 16, an {@code ids} bank of 192, 3 epochs of batches of 64, 2
   * threads, in {@code runDir/name}; then {@code more} ({@code key=value}, each a {@code --set}).
   */
  static List<String> smallCrossBatchRun(Path runDir, String name, String... more) {
    List<String> args = new ArrayList<>();
    for (String set :
        List.of(
            "run.dir=" + runDir,
            "run.name=" + name,
            "data.users=400",
            "data.items=300",
            "model.dim=16",
            "sampler.name=cross-batch",
            "sampler.bank-size=192",
            "sampler.mode=ids",
            "training.epochs=3",
            "training.batch-size=64",
            "threads=2")) {
      args.add("--set");
      args.add(set);
    }
    for (String set : more) {
      args.add("--set");
      args.add(set);
    }
    return List.copyOf(args);
  }
}
