package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.core.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interrupts training in a child process (SIGTERM, which takes the Ctrl-C path; SIGINT itself is
 * ignored by a JVM that a background shell started, as a CI job may be), resumes it, kills the
 * resumed run (SIGKILL mid-epoch), resumes again, and compares the outcome with an uninterrupted
 * run of the same configuration. Every component with state takes part: a cross-batch bank in ids
 * mode with the automatic warm-up, the streaming frequency estimator, the drift monitor, lazy Adam
 * with a cosine schedule, the loss's user-side term and its adaptive per-user temperatures (factors
 * set at each epoch's end from sums that a mid-epoch checkpoint must carry).
 */
final class TestResume {
  @TempDir Path tmp;

  private List<String> config(String name) {
    return ChildTrain.smallCrossBatchRun(
        tmp,
        name,
        "sampler.warmup-steps=drift",
        "sampler.drift-interval=5",
        "frequency.name=streaming",
        "drift.enabled=true",
        "drift.every=7",
        "loss.user-softmax-weight=0.3",
        "loss.user-temperature-spread=0.5",
        "optimizer.schedule=cosine",
        "optimizer.warmup-steps=10",
        "training.evaluate-every=1",
        "checkpoint.every-steps=7");
  }

  private static Process start(List<String> cliArgs, Path log) throws IOException {
    return ChildTrain.start(List.of("-Xmx1g"), cliArgs, log);
  }

  private Path run(List<String> cliArgs, String logName) throws Exception {
    return ChildTrain.runToEnd(List.of("-Xmx1g"), cliArgs, tmp.resolve(logName));
  }

  /** Waits until {@code ready} holds for the run directory, then returns. */
  private static void await(Process p, Path runDir, Predicate<Path> ready, Path log)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (!ready.test(runDir)) {
      assertThat(p.isAlive())
          .as("child ended before the kill point: " + Files.readString(log))
          .isTrue();
      assertThat(System.nanoTime()).as("timeout").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static long lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  @Test
  void interruptedThenKilledRunsResumeToTheUninterruptedResult() throws Exception {
    run(config("straight"), "straight.log");
    Path straight = tmp.resolve("straight");
    assertThat(straight.resolve(RunDirectory.CHECKPOINT_FILE))
        .as("removed on completion")
        .doesNotExist();

    // SIGTERM once the first checkpoint exists: stops after the step with a checkpoint, exit 130
    Path dir = tmp.resolve("broken");
    Path log1 = tmp.resolve("interrupted.log");
    Process interrupted = start(config("broken"), log1);
    await(interrupted, dir, d -> Files.exists(d.resolve(RunDirectory.CHECKPOINT_FILE)), log1);
    new ProcessBuilder("kill", "-TERM", Long.toString(interrupted.pid())).start().waitFor();
    assertThat(interrupted.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String text = Files.readString(log1);
    assertThat(interrupted.exitValue()).as(text).isEqualTo(130);
    assertThat(text).contains("continue with: ./cbns train --resume " + dir.toAbsolutePath());
    long epochsAtInterrupt = lines(dir.resolve("epochs.jsonl"));

    // resume, then SIGKILL in the middle of a later epoch, after another epoch and evaluation
    Path log2 = tmp.resolve("resumed.log");
    Process resumed = start(List.of("--resume", dir.toString()), log2);
    await(
        resumed,
        dir,
        d ->
            lines(d.resolve("epochs.jsonl")) >= epochsAtInterrupt + 1
                && lines(d.resolve("metrics.jsonl")) >= epochsAtInterrupt + 1,
        log2);
    resumed.destroyForcibly(); // SIGKILL on Linux
    assertThat(resumed.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(resumed.exitValue()).isEqualTo(137);
    assertThat(Files.readString(log2)).contains("resuming run directory");
    assertThat(dir.resolve(RunDirectory.CHECKPOINT_FILE)).exists();
    assertThat(dir.resolve("summary.json")).doesNotExist();

    // the second resume completes with exactly the uninterrupted result
    Path finalLog = run(List.of("--resume", dir.toString()), "final.log");
    assertSameOutcome(straight, dir);
    // its total time covers the three sessions, so it is at least the training time they add up
    var summary =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(dir.resolve("summary.json").toFile());
    assertThat(summary.get("total_seconds").asDouble())
        .isGreaterThanOrEqualTo(summary.get("train_seconds").asDouble());
    var times =
        java.util.regex.Pattern.compile("in ([0-9.]+)s; total ([0-9.]+)s")
            .matcher(Files.readString(finalLog));
    assertThat(times.find()).as(Files.readString(finalLog)).isTrue();
    assertThat(Double.parseDouble(times.group(2)))
        .isGreaterThanOrEqualTo(Double.parseDouble(times.group(1)));

    // a finished run cannot be resumed, and --resume takes no overrides
    CliRun again = CliRun.of(List.of("train", "--resume", dir.toString()));
    assertThat(again.exitCode()).isNotZero();
    assertThat(again.err()).contains("has already completed");
    CliRun mixed =
        CliRun.of(List.of("train", "--resume", dir.toString(), "--set", "training.epochs=9"));
    assertThat(mixed.exitCode()).isEqualTo(2);
    assertThat(mixed.err()).contains("drop --config and --set");
  }

  @Test
  void aRunThatStreamsItsShardsResumesToTheUninterruptedResult() throws Exception {
    // a dataset whose splits are written in shards of 500 rows
    StringBuilder csv = new StringBuilder();
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    for (int line = 0; line < 4000; line++) {
      csv.append(r.nextInt(300)).append(',').append(r.nextInt(200)).append(',').append(line);
      csv.append('\n');
    }
    Path log = Files.writeString(tmp.resolve("log.csv"), csv);
    Path data = tmp.resolve("sharded");
    io.cbns.data.arrow.importer.DatasetImporter.run(
        "delimited",
        io.cbns.core.config.Options.of(
            "import",
            java.util.Map.of("path", log.toString(), "timestamp-column", 2, "shard-rows", 500)),
        data);
    java.util.function.Function<String, List<String>> config =
        name ->
            List.of(
                "--set", "run.dir=" + tmp,
                "--set", "run.name=" + name,
                "--set", "data.source=arrow",
                "--set", "data.path=" + data,
                "--set", "data.stream-passes=3",
                "--set", "model.dim=16",
                "--set", "drift.enabled=true",
                "--set", "drift.every=7",
                "--set", "training.epochs=3",
                "--set", "training.batch-size=64",
                "--set", "training.evaluate-every=1",
                "--set", "checkpoint.every-steps=7",
                "--set", "threads=2");
    run(config.apply("streamed"), "streamed.log");

    Path dir = tmp.resolve("streamed-broken");
    Path log1 = tmp.resolve("streamed-interrupted.log");
    Process interrupted = start(config.apply("streamed-broken"), log1);
    await(interrupted, dir, d -> Files.exists(d.resolve(RunDirectory.CHECKPOINT_FILE)), log1);
    new ProcessBuilder("kill", "-TERM", Long.toString(interrupted.pid())).start().waitFor();
    assertThat(interrupted.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(interrupted.exitValue()).as(Files.readString(log1)).isEqualTo(130);
    run(List.of("--resume", dir.toString()), "streamed-resumed.log");
    assertSameOutcome(tmp.resolve("streamed"), dir);
  }

  /**
   * Same seed, same thread count, MKL_CBWR=AUTO: the arithmetic is identical, so the tolerance is
   * zero: identical parameters, losses, metrics and drift records.
   */
  private static void assertSameOutcome(Path expected, Path actual) throws IOException {
    assertThat(Files.readAllBytes(actual.resolve("model.params")))
        .isEqualTo(Files.readAllBytes(expected.resolve("model.params")));
    assertThat(withoutTimes(actual.resolve("epochs.jsonl")))
        .isEqualTo(withoutTimes(expected.resolve("epochs.jsonl")));
    assertThat(withoutTimes(actual.resolve("metrics.jsonl")))
        .isEqualTo(withoutTimes(expected.resolve("metrics.jsonl")));
    assertThat(Files.readAllLines(actual.resolve("drift.csv")))
        .isEqualTo(Files.readAllLines(expected.resolve("drift.csv")));
  }

  private static List<String> withoutTimes(Path file) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      out.add(line.replaceAll("\"[a-z_]*seconds\":[-0-9.eE+]+", ""));
    }
    return out;
  }
}
