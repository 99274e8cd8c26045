package io.cbns.spark;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.cbns.core.RunDirectory;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.core.model.FixedEmbeddings;
import io.cbns.data.arrow.source.SyntheticSource;
import io.cbns.data.arrow.synthetic.SyntheticConfig;
import io.cbns.models.onnx.OnnxExporter;
import io.cbns.serving.EmbeddingFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded application jar ({@code target/cbns-spark-all.jar}) run the way a cluster runs it:
 * through {@code spark-submit}'s main class ({@code org.apache.spark.deploy.SparkSubmit}) in a
 * fresh JVM whose class path is only {@code target/spark-lib}, the stand-in for a Spark
 * installation's jars directory (Spark and what its distribution ships). Runs after {@code package}
 * (failsafe), since it needs the shaded jar.
 */
final class ITSparkSubmit {
  private static final Path TARGET = Path.of(System.getProperty("cbns.target", "target"));

  @TempDir static Path tmp;
  private static InteractionDataset dataset;

  @BeforeAll
  static void dataset() {
    dataset =
        SyntheticSource.open(
            tmp.resolve("data"),
            SyntheticConfig.builder()
                .optUsers(600)
                .optItems(400)
                .optInteractionsPerUser(12)
                .build());
  }

  @Test
  void theShadedJarHoldsTheJobsAndLeavesSparkOut() throws IOException {
    try (JarFile jar = new JarFile(shadedJar().toFile())) {
      List<String> names = jar.stream().map(e -> e.getName()).toList();
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("io.cbns.spark.SparkMain");
      assertThat(names)
          .contains(
              "io/cbns/spark/SparkMain.class",
              "io/cbns/serving/ServedRun.class",
              "ai/onnxruntime/OrtEnvironment.class",
              "picocli/CommandLine.class",
              "io/cbns/shaded/com/google/protobuf/Message.class");
      assertThat(names)
          .noneMatch(n -> n.startsWith("org/apache/spark/"))
          .noneMatch(n -> n.startsWith("scala/"))
          .noneMatch(n -> n.startsWith("org/apache/arrow/vector/"))
          .noneMatch(n -> n.startsWith("com/fasterxml/jackson/databind/"))
          .noneMatch(n -> n.startsWith("com/google/protobuf/"));
    }
  }

  @Test
  void countRunsUnderSparkSubmit() throws Exception {
    Path dir = Path.of(dataset.info().location());
    Result r = submit("count", dir.toString());
    assertThat(r.exitCode).as(r.output).isZero();
    assertThat(r.output).contains("400 items").contains("equal to item_counts.arrow");
  }

  @Test
  void importRunsUnderSparkSubmitAndReadsBack() throws Exception {
    Path log = Files.createDirectories(tmp.resolve("import-log"));
    StringBuilder a = new StringBuilder();
    StringBuilder b = new StringBuilder();
    for (int u = 0; u < 60; u++) {
      for (int k = 0; k < 6; k++) {
        (u % 2 == 0 ? a : b).append(u).append(',').append((u * 7 + k * 3) % 41).append('\n');
      }
    }
    Files.writeString(log.resolve("part-0.csv"), a);
    Files.writeString(log.resolve("part-1.csv"), b);
    Path out = tmp.resolve("imported");
    Result r = submit("import", log.toString(), out.toString(), "--partitions", "2");
    assertThat(r.exitCode).as(r.output).isZero();
    assertThat(r.output).contains("imported").contains("60 users");
    // the single-machine reader verifies every shard and the fingerprint
    assertThat(io.cbns.data.arrow.format.DatasetReader.read(out).content().train().size())
        .isPositive();
  }

  @Test
  void evaluateRunsUnderSparkSubmitAndEqualsTheSingleMachineEvaluator() throws Exception {
    int d = 8;
    SplittableRandom random = new SplittableRandom(11);
    float[] users = uniform(random, dataset.info().numUsers() * d);
    float[] items = uniform(random, dataset.info().numItems() * d);
    Path run = runDirectory("evaluate-run");
    RunDirectory dirs = RunDirectory.of(run);
    Files.createDirectories(dirs.embeddingsDir());
    writeTable(dirs.itemEmbeddings(), EmbeddingFiles.ITEM_ID, items, d);
    writeTable(
        dirs.embeddingsDir().resolve(RunDirectory.USER_EMBEDDINGS_FILE),
        EmbeddingFiles.USER_ID,
        users,
        d);

    Result r = submit("evaluate", run.toString(), "--k", "20", "--block-users", "64");
    assertThat(r.exitCode).as(r.output).isZero();

    RankingMetrics expected;
    try (NDManager m = NDManager.newBaseManager()) {
      expected =
          new FullRankingEvaluator(List.of(20), 256)
              .evaluate(
                  m,
                  new FixedEmbeddings(d, users, items),
                  dataset.testExclusion(),
                  dataset.testByUser());
    }
    Matcher printed = Pattern.compile("Recall@20 (\\S+)  NDCG@20 (\\S+)").matcher(r.output);
    assertThat(printed.find()).as(r.output).isTrue();
    assertThat(printed.group(1))
        .isEqualTo(String.format(Locale.ROOT, "%.4f", expected.recallAt(20)));
    assertThat(printed.group(2)).isEqualTo(String.format(Locale.ROOT, "%.4f", expected.ndcgAt(20)));
  }

  @Test
  void embedRunsTheExportedTowersUnderSparkSubmit() throws Exception {
    int d = 4;
    SplittableRandom random = new SplittableRandom(12);
    float[] users = uniform(random, dataset.info().numUsers() * d);
    float[] items = uniform(random, dataset.info().numItems() * d);
    Path run = runDirectory("embed-run");
    OnnxExporter.builder()
        .optDatasetFingerprint(dataset.info().fingerprint())
        .build()
        .export(new FixedEmbeddings(d, users, items), run.resolve("onnx"));
    Path out = tmp.resolve("embeddings");

    Result r = submit("embed", run.toString(), "--out", out.toString(), "--users");
    assertThat(r.exitCode).as(r.output).isZero();
    assertThat(r.output).contains("400 item and 600 user embeddings written");
    assertThat(out.resolve("items")).isDirectory();
    assertThat(out.resolve("users")).isDirectory();
  }

  /** A run directory that names the dataset (what the jobs read of a run besides its files). */
  private static Path runDirectory(String name) throws IOException {
    Path run = Files.createDirectories(tmp.resolve(name));
    Files.writeString(
        run.resolve("run.json"),
        "{\"dataset\": {\"location\": \""
            + dataset.info().location()
            + "\", \"fingerprint\": \""
            + dataset.info().fingerprint()
            + "\"}}");
    return run;
  }

  private static void writeTable(Path file, String idColumn, float[] rows, int d) {
    EmbeddingFiles.write(
        file,
        idColumn,
        rows.length / d,
        d,
        128,
        ids -> {
          float[] out = new float[ids.length * d];
          for (int r = 0; r < ids.length; r++) {
            System.arraycopy(rows, (int) ids[r] * d, out, r * d, d);
          }
          return out;
        },
        null,
        Map.of());
  }

  private record Result(int exitCode, String output) {}

  /**
   * {@code spark-submit --class io.cbns.spark.SparkMain --master local[2] cbns-spark-all.jar ARGS}.
   */
  private static Result submit(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    // the module openings Spark's own launcher (spark-class) adds on Java 17
    for (String flag : System.getProperty("cbns.spark.jvm.flags", "").trim().split("\\s+")) {
      if (!flag.isEmpty()) {
        cmd.add(flag);
      }
    }
    cmd.add("-cp");
    cmd.add(TARGET.resolve("spark-lib").toAbsolutePath() + "/*");
    cmd.add("org.apache.spark.deploy.SparkSubmit");
    cmd.addAll(
        List.of(
            "--class",
            "io.cbns.spark.SparkMain",
            "--master",
            "local[2]",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.driver.host=127.0.0.1",
            shadedJar().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Path log = Files.createTempFile(tmp, "spark-submit", ".log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(
          "spark-submit did not finish in 5 minutes: " + Files.readString(log));
    }
    return new Result(p.exitValue(), Files.readString(log));
  }

  private static Path shadedJar() {
    Path jar = TARGET.resolve("cbns-spark-all.jar").toAbsolutePath();
    assertThat(jar).as("the shaded jar (mvn package builds it)").isRegularFile();
    return jar;
  }

  private static float[] uniform(SplittableRandom random, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return out;
  }
}
