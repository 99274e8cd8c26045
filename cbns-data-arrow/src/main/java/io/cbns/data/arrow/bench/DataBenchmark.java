package io.cbns.data.arrow.bench;

import io.cbns.core.config.Options;
import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.format.DatasetWriter;
import io.cbns.data.arrow.importer.DatasetImporter;
import io.cbns.data.arrow.importer.ImportReport;
import io.cbns.data.arrow.source.SyntheticSource;
import io.cbns.data.arrow.synthetic.SyntheticConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Measures the data path on one machine:
 *
 * <ol>
 *   <li>{@code import} of a LightGCN directory (default {@code ../shared/data/gowalla}): wall time
 *       of the first (cold JVM) and the best of the following runs, and the peak heap;
 *   <li>opening the imported dataset (read, verify, build the per-user matrices);
 *   <li>one epoch of train batches ({@code --batch}, default 1024) with no training, synchronous
 *       and with prefetch, reporting batches/s and the consumer's wait time; then the same with a
 *       simulated 1 ms training step per batch (a busy wait), where prefetch hides the loader;
 *   <li>generating, writing and opening the default synthetic dataset.
 * </ol>
 *
 * <p>Usage: {@code java --add-opens=java.base/java.nio=org.apache.arrow.memory.core,ALL-UNNAMED -cp
 * ... io.cbns.data.arrow.bench.DataBenchmark [--data DIR] [--batch N] [--repeat N]}. Prints a
 * Markdown table. Peak heap is the sum of the heap pools' peak usage, an upper bound (pools peak at
 * different moments), measured after a GC with the peaks reset.
 */
public final class DataBenchmark {
  private DataBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of("../shared/data/gowalla");
    int batch = 1024;
    int repeat = 3;
    for (int k = 0; k < args.length; k++) {
      switch (args[k]) {
        case "--data" -> data = Path.of(args[++k]);
        case "--batch" -> batch = Integer.parseInt(args[++k]);
        case "--repeat" -> repeat = Integer.parseInt(args[++k]);
        default -> {
          System.err.println("usage: DataBenchmark [--data DIR] [--batch N] [--repeat N]");
          System.exit(2);
        }
      }
    }
    Path work = Files.createTempDirectory("cbns-data-bench");
    try {
      run(data, batch, repeat, work);
    } finally {
      DatasetWriter.deleteRecursively(work);
    }
  }

  private static void run(Path data, int batch, int repeat, Path work) {
    Runtime rt = Runtime.getRuntime();
    System.out.printf(
        Locale.ROOT,
        "JVM %s, %d CPUs, max heap %d MiB, data %s%n%n",
        System.getProperty("java.version"),
        rt.availableProcessors(),
        rt.maxMemory() >> 20,
        data.toAbsolutePath().normalize());
    System.out.println("| step | wall | peak heap | notes |");
    System.out.println("|---|---|---|---|");

    double[] importSeconds = new double[repeat];
    long importPeak = 0;
    ImportReport report = null;
    for (int r = 0; r < repeat; r++) {
      Path out = work.resolve("import-" + r);
      Options options = Options.of("import", Map.of("path", data.toString()));
      Measured<ImportReport> m = measure(() -> DatasetImporter.run("lightgcn", options, out));
      importSeconds[r] = m.seconds;
      importPeak = Math.max(importPeak, m.peakHeapBytes);
      report = m.value;
    }
    row(
        "import lightgcn (first, cold JVM)",
        importSeconds[0],
        importPeak,
        String.format(
            Locale.ROOT,
            "%,d users, %,d items, %,d train, %,d test",
            report.numUsers(),
            report.numItems(),
            report.trainInteractions(),
            report.testInteractions()));
    if (repeat > 1) {
      row(
          "import lightgcn (best of next " + (repeat - 1) + ")",
          Arrays.stream(importSeconds, 1, repeat).min().orElse(0),
          importPeak,
          "");
    }

    Path dir = work.resolve("import-0");
    Measured<ArrowInteractionDataset> opened = measure(() -> ArrowInteractionDataset.open(dir));
    row("open (read + verify + CSR)", opened.seconds, opened.peakHeapBytes, "");
    ArrowInteractionDataset ds = opened.value;
    for (int[] setting : new int[][] {{0, 0}, {2, 0}, {0, 1}, {2, 1}}) {
      int prefetch = setting[0];
      boolean simulateStep = setting[1] == 1;
      double best = Double.MAX_VALUE;
      long waited = 0;
      int batches = 0;
      for (int e = 0; e < repeat; e++) {
        long t0 = System.nanoTime();
        int n = 0;
        long sum = 0;
        try (BatchIterator it = ds.trainBatches(new BatchSpec(batch, false, 42, prefetch), e)) {
          while (it.hasNext()) {
            sum += it.next().itemIds()[0]; // touch the batch so that nothing is optimised away
            n++;
            if (simulateStep) {
              spin(STEP_NANOS);
            }
          }
          double s = (System.nanoTime() - t0) / 1e9;
          if (s < best) {
            best = s;
            waited = it.waitNanos();
            batches = n;
          }
        }
        if (sum == Long.MIN_VALUE) {
          System.out.println(sum);
        }
      }
      row(
          "epoch B="
              + batch
              + ", prefetch "
              + prefetch
              + (simulateStep ? ", 1 ms simulated step" : ", no step")
              + " (best of "
              + repeat
              + ")",
          best,
          -1,
          String.format(
              Locale.ROOT,
              "%d batches, %.0f batches/s, consumer waited %.1f ms",
              batches,
              batches / best,
              waited / 1e6));
    }

    Measured<ArrowInteractionDataset> synthetic =
        measure(() -> SyntheticSource.open(work.resolve("cache"), SyntheticConfig.defaults()));
    row(
        "synthetic default: generate + write + open",
        synthetic.seconds,
        synthetic.peakHeapBytes,
        String.format(
            Locale.ROOT,
            "%,d users, %,d items, %,d train, %,d test",
            synthetic.value.info().numUsers(),
            synthetic.value.info().numItems(),
            synthetic.value.info().numTrain(),
            synthetic.value.info().numTest()));
    Measured<ArrowInteractionDataset> cached =
        measure(() -> SyntheticSource.open(work.resolve("cache"), SyntheticConfig.defaults()));
    row("synthetic default: cached open", cached.seconds, cached.peakHeapBytes, "");
  }

  /** A stand-in for a training step on the consumer thread, to show what prefetch hides. */
  private static final long STEP_NANOS = 1_000_000;

  private static void spin(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  private record Measured<T>(T value, double seconds, long peakHeapBytes) {}

  private static <T> Measured<T> measure(Supplier<T> step) {
    System.gc();
    List<MemoryPoolMXBean> pools =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .toList();
    pools.forEach(MemoryPoolMXBean::resetPeakUsage);
    long t0 = System.nanoTime();
    T value = step.get();
    double seconds = (System.nanoTime() - t0) / 1e9;
    long peak = pools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    return new Measured<>(value, seconds, peak);
  }

  private static void row(String step, double seconds, long peakBytes, String notes) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %.3f s | %s | %s |%n",
        step,
        seconds,
        peakBytes < 0 ? "" : (peakBytes >> 20) + " MiB",
        notes);
  }
}
