package io.cbns.benchmarks.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cbns.core.CbnsException;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.core.train.EpochInfo;
import io.cbns.core.train.EvaluationInfo;
import io.cbns.core.train.TrainingListener;
import io.cbns.runner.TrainJob;
import io.cbns.runner.config.ConfigLoader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Runs {@code cbns train} in-process (the runner's {@link TrainJob}, same keys and defaults) and
 * prints one JSON line on stdout with what a throughput or leak measurement needs: step-time
 * statistics after a warm-up, the epochs (train and batch-wait seconds), the evaluations (seconds,
 * Recall@20) and memory samples every so many steps. Progress and logs go to stderr. The step times
 * are also written to {@code step-nanos.txt} in the run directory, one per line.
 *
 * <p>Usage: {@code TrainRun [--warmup-steps N=50] [--memory-every N=500] [--memory-gc
 * true|false=false] [--profile-steps N=0] [--config FILE] [--set key=value]...}; {@code --memory-gc
 * true} runs a full garbage collection before each memory sample (see {@link MemorySampler}).
 * {@code --profile-steps N} records the N steps after the warm-up with PyTorch's operator profiler
 * and writes them to {@code profile.json} in the run directory (Chrome trace format; {@code
 * benchmarks/profile.py} sums it per operator). Exit code 2 on a usage error.
 */
public final class TrainRun {
  private static final String USAGE =
      "usage: TrainRun [--warmup-steps N] [--memory-every N] [--memory-gc true|false]"
          + " [--profile-steps N] [--config FILE] [--set key=value]...";
  private static final double MIB = 1024.0 * 1024.0;

  private TrainRun() {}

  public static void main(String[] args) throws IOException {
    Arguments a;
    try {
      a = Arguments.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    StepTimes steps = new StepTimes();
    MemorySampler memory = new MemorySampler(a.memoryEvery(), a.memoryGc());
    List<EpochInfo> epochs = new ArrayList<>();
    List<EvaluationInfo> evaluations = new ArrayList<>();
    TrainingListener collector =
        new TrainingListener() {
          @Override
          public void onEpochEnd(EpochInfo e) {
            epochs.add(e);
          }

          @Override
          public void onEvaluation(EvaluationInfo ev) {
            evaluations.add(ev);
          }
        };
    List<TrainingListener> listeners = new ArrayList<>(List.of(steps, memory, collector));
    OperatorProfile profile = null;
    if (a.profileSteps() > 0) {
      profile = new OperatorProfile(a.warmupSteps(), a.profileSteps());
      listeners.add(profile);
    }
    PrintWriter progress =
        new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    TrainJob.Result result =
        new TrainJob(PluginRegistry.discover(TrainRun.class.getClassLoader()), Clock.systemUTC())
            .run(ConfigLoader.load(a.config(), a.overrides()), progress, false, listeners);
    if (profile != null) {
      profile.write(result.runDir().resolve("profile.json"));
    }
    Files.writeString(
        result.runDir().resolve("step-nanos.txt"),
        java.util.Arrays.stream(steps.nanos())
            .mapToObj(Long::toString)
            .collect(Collectors.joining("\n", "", "\n")));
    System.out.println(
        toJson(report(result.runDir(), a.warmupSteps(), steps, memory, epochs, evaluations)));
  }

  static Map<String, Object> report(
      Path runDir,
      int warmup,
      StepTimes steps,
      MemorySampler memory,
      List<EpochInfo> epochs,
      List<EvaluationInfo> evaluations) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("run_dir", runDir.toString());
    r.put("steps", steps.count());
    r.put("warmup_steps", warmup);
    if (steps.count() > warmup) {
      StepTimes.Summary s = steps.summary(warmup);
      Map<String, Object> timed = new LinkedHashMap<>();
      timed.put("steps", s.steps());
      timed.put("interactions", s.interactions());
      timed.put("seconds", s.seconds());
      timed.put("mean_ms", s.meanMillis());
      timed.put("median_ms", s.medianMillis());
      timed.put("p90_ms", s.p90Millis());
      timed.put("interactions_per_s", s.interactionsPerSecond());
      r.put("timed", timed);
    }
    r.put(
        "epochs",
        epochs.stream()
            .map(
                e -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("epoch", e.epoch() + 1);
                  m.put("steps", e.steps());
                  m.put("train_s", e.trainSeconds());
                  m.put("wait_s", e.batchWaitSeconds());
                  m.put("interactions", e.interactions());
                  return m;
                })
            .toList());
    r.put(
        "evaluations",
        evaluations.stream()
            .map(
                ev -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("split", ev.split());
                  m.put("seconds", ev.seconds());
                  m.put("users", ev.model().users());
                  m.put("recall", ev.model().recall());
                  return m;
                })
            .toList());
    r.put(
        "memory",
        memory.points().stream()
            .map(
                p -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("steps", p.steps());
                  m.put("rss_mib", mib(p.memory().residentBytes()));
                  m.put("heap_used_mib", mib(p.memory().heapUsedBytes()));
                  m.put("heap_after_gc_mib", mib(p.memory().heapAfterGcBytes()));
                  return m;
                })
            .toList());
    return r;
  }

  private static double mib(long bytes) {
    return bytes < 0 ? -1 : Math.round(bytes / MIB * 10) / 10.0;
  }

  static String toJson(Map<String, Object> report) {
    try {
      return new ObjectMapper().writeValueAsString(report);
    } catch (JsonProcessingException e) {
      throw new CbnsException("cannot render the report as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * The command line.
   *
   * @param warmupSteps steps left out of the timing statistics
   * @param memoryEvery sample memory after every this many steps
   * @param memoryGc whether a full garbage collection precedes each memory sample
   * @param config the YAML file, or null
   * @param overrides {@code key=value} overrides, in order
   */
  record Arguments(
      int warmupSteps,
      int memoryEvery,
      boolean memoryGc,
      int profileSteps,
      Path config,
      List<String> overrides) {
    Arguments {
      if (warmupSteps < 0) {
        throw new IllegalArgumentException("--warmup-steps must be >= 0, got " + warmupSteps);
      }
      if (memoryEvery < 1) {
        throw new IllegalArgumentException("--memory-every must be >= 1, got " + memoryEvery);
      }
      if (profileSteps < 0) {
        throw new IllegalArgumentException("--profile-steps must be >= 0, got " + profileSteps);
      }
      overrides = List.copyOf(overrides);
    }

    static Arguments parse(String[] args) {
      int warmup = 50;
      int every = 500;
      boolean gc = false;
      int profile = 0;
      Path config = null;
      List<String> overrides = new ArrayList<>();
      for (int k = 0; k < args.length; k++) {
        String flag = args[k];
        if (k + 1 >= args.length) {
          throw new IllegalArgumentException(flag + ": a value is missing");
        }
        String value = args[++k];
        switch (flag) {
          case "--warmup-steps" -> warmup = number(flag, value);
          case "--memory-every" -> every = number(flag, value);
          case "--memory-gc" -> gc = bool(flag, value);
          case "--profile-steps" -> profile = number(flag, value);
          case "--config", "-c" -> config = Path.of(value);
          case "--set", "-s" -> overrides.add(value);
          default -> throw new IllegalArgumentException("unknown option " + flag);
        }
      }
      return new Arguments(warmup, every, gc, profile, config, overrides);
    }

    private static boolean bool(String flag, String value) {
      if (!value.equals("true") && !value.equals("false")) {
        throw new IllegalArgumentException(flag + ": expected true or false, got " + value);
      }
      return Boolean.parseBoolean(value);
    }

    private static int number(String flag, String value) {
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(flag + ": not a number: " + value, e);
      }
    }
  }
}
