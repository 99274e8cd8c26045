package io.cbns.benchmarks.micro;

import io.cbns.benchmarks.fixture.BenchmarkData;
import io.cbns.core.config.Options;
import io.cbns.data.arrow.ArrowInteractionDataset;
import io.cbns.data.arrow.format.DatasetWriter;
import io.cbns.data.arrow.importer.DatasetImporter;
import io.cbns.data.arrow.importer.ImportReport;
import io.cbns.data.arrow.source.SyntheticSource;
import io.cbns.data.arrow.synthetic.SyntheticConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Getting data into the Arrow format, single shots (seconds): {@link #importLightGcn} imports the
 * LightGCN directory (Gowalla by default) into a fresh dataset directory, as {@code cbns import}
 * and the {@code lightgcn} source's first use do; {@link #open} opens such a directory (read,
 * verify, build the per-user matrices), as every training run does; {@link #synthetic} generates,
 * writes and opens the default synthetic dataset, as a first {@code cbns train} without arguments
 * does. Everything is written under a temporary directory deleted at the end of the trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {Forks.ADD_OPENS, Forks.OFFLINE, Forks.INTEROP, Forks.QUIET})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class ImportBenchmark {
  @Param(BenchmarkData.GOWALLA)
  public String data;

  private Path work;
  private Path imported;
  private int runs;

  @Setup
  public void setUp() throws IOException {
    work = Files.createTempDirectory("cbns-import-bench");
    imported = work.resolve("imported");
    importInto(imported);
  }

  @TearDown
  public void tearDown() {
    DatasetWriter.deleteRecursively(work);
  }

  @Benchmark
  public ImportReport importLightGcn() {
    return importInto(work.resolve("import-" + runs++));
  }

  @Benchmark
  public long open() {
    try (ArrowInteractionDataset ds = ArrowInteractionDataset.open(imported)) {
      return ds.info().numTrain();
    }
  }

  @Benchmark
  public long synthetic() {
    try (ArrowInteractionDataset ds =
        SyntheticSource.open(work.resolve("synthetic-" + runs++), SyntheticConfig.defaults())) {
      return ds.info().numTrain();
    }
  }

  private ImportReport importInto(Path out) {
    return DatasetImporter.run("lightgcn", Options.of("import", Map.of("path", data)), out);
  }
}
