package io.cbns.benchmarks.micro;

import io.cbns.benchmarks.fixture.BenchmarkData;
import io.cbns.core.config.Options;
import io.cbns.data.arrow.format.DatasetWriter;
import io.cbns.data.arrow.importer.DatasetImporter;
import io.cbns.data.arrow.importer.ImportReport;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * The {@code delimited} importer on a CSV of realistic size, single shots (milliseconds): Gowalla's
 * 1,027,370 interactions (train and test files together) written once in {@code @Setup} as {@code
 * user,item,rating,timestamp} lines with a header (ratings 1-5 and timestamps derived from the line
 * number), then imported as {@code cbns import delimited} does: header names, a rating threshold,
 * dense id mapping of the id strings, a per-user ratio split, written as an Arrow dataset. With
 * {@code quoted=true} every item id is written in double quotes ({@code 1,"10",5,...}), so that
 * every line needs the CSV parser's unquoting.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {Forks.ADD_OPENS, Forks.OFFLINE, Forks.INTEROP, Forks.QUIET})
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class DelimitedImportBenchmark {
  @Param(BenchmarkData.GOWALLA)
  public String data;

  @Param({"false", "true"})
  public boolean quoted;

  private Path work;
  private Path csv;
  private int runs;

  @Setup
  public void setUp() throws IOException {
    work = Files.createTempDirectory("cbns-delimited-bench");
    csv = work.resolve("interactions.csv");
    long line = 0;
    try (BufferedWriter out = Files.newBufferedWriter(csv)) {
      out.write("user,item,rating,timestamp\n");
      for (String split : List.of("train.txt", "test.txt")) {
        for (String row : Files.readAllLines(Path.of(data, split))) {
          String[] ids = row.strip().split("\\s+");
          for (int i = 1; i < ids.length; i++) {
            line++;
            out.write(
                ids[0]
                    + ","
                    + ids[i]
                    + ","
                    + (1 + line % 5)
                    + ","
                    + (1_300_000_000L + line * 7)
                    + "\n");
          }
        }
      }
    }
  }

  @TearDown
  public void tearDown() {
    DatasetWriter.deleteRecursively(work);
  }

  @Benchmark
  public ImportReport importCsv() {
    return DatasetImporter.run(
        "delimited",
        Options.of(
            "import",
            Map.of(
                "path", csv.toString(),
                "header", true,
                "user-column", "user",
                "item-column", "item",
                "rating-column", "rating",
                "rating-threshold", 2,
                "timestamp-column", "timestamp")),
        work.resolve("import-" + runs++));
  }
}
