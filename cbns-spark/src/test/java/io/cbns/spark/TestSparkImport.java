package io.cbns.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.core.config.Options;
import io.cbns.data.arrow.format.DatasetContent;
import io.cbns.data.arrow.format.DatasetManifest;
import io.cbns.data.arrow.format.DatasetReader;
import io.cbns.data.arrow.importer.DatasetImporter;
import io.cbns.data.arrow.importer.IdMapping;
import io.cbns.data.arrow.importer.ImportReport;
import io.cbns.data.arrow.importer.SplitMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark importer against the single-machine {@code delimited} importer: a generated log written
 * as part files, imported by Spark from the directory and by {@code cbns import} from the
 * concatenated file, must give the same dataset content (fingerprint, every split's rows, id maps,
 * counts). One Spark session per test (local[2]).
 */
final class TestSparkImport {
  @TempDir Path tmp;

  private static SparkSession localSession() {
    return SparkTesting.session();
  }

  /**
   * 400 users named {@code u<k>} (lexicographic ids) over numeric items (a popular head and a long
   * tail, so that some held-out items are never in train), timestamps with duplicate pairs at other
   * times, users with one interaction; written as 4 part files in a shuffled line order, and
   * concatenated as one file.
   */
  private Path[] log() throws IOException {
    SplittableRandom r = new SplittableRandom(11);
    List<String> lines = new java.util.ArrayList<>();
    for (int u = 0; u < 400; u++) {
      int n = u % 17 == 0 ? 1 : 2 + r.nextInt(25);
      for (int k = 0; k < n; k++) {
        int item = r.nextInt(3) == 0 ? r.nextInt(2000) : r.nextInt(60);
        long t = 1_000 + r.nextInt(100_000);
        lines.add("u" + u + "," + item + "," + t);
        if (r.nextInt(10) == 0) { // the same pair again, later or earlier
          lines.add("u" + u + "," + item + "," + (t + r.nextInt(2001) - 1000));
        }
      }
    }
    java.util.Collections.shuffle(lines, new java.util.Random(5));
    Path parts = Files.createDirectories(tmp.resolve("log"));
    int per = (lines.size() + 3) / 4;
    for (int p = 0; p < 4; p++) {
      List<String> part = lines.subList(p * per, Math.min(lines.size(), (p + 1) * per));
      Files.write(parts.resolve(String.format("part-%05d.csv", p)), part);
    }
    Path all = tmp.resolve("all.csv");
    Files.write(all, lines);
    return new Path[] {parts, all};
  }

  private static ImportReport singleMachine(Path file, Path out, String split, double validation) {
    Map<String, Object> o = new HashMap<>();
    o.put("path", file.toString());
    o.put("separator", ",");
    o.put("user-column", 0);
    o.put("item-column", 1);
    o.put("timestamp-column", 2);
    o.put("split", split);
    o.put("test-ratio", 0.2);
    o.put("validation-ratio", validation);
    o.put("seed", 7);
    return DatasetImporter.run("delimited", Options.of("import", o), out);
  }

  private static SparkImport.Options sparkOptions(
      Path input, SplitMethod split, double validation) {
    return sparkOptions(input, "csv", split, validation);
  }

  private static SparkImport.Options sparkOptions(
      Path input, String format, SplitMethod split, double validation) {
    return options(input, format, split, validation, "log", null, "2", null, IdMapping.DENSE, null);
  }

  /**
   * An import of columns 0 (user) and 1 (item), separator {@code ,}, no header, no rating, test
   * ratio 0.2 (0 with leave-last-out, which ignores it, as cbns import does), seed 7, unseen
   * held-out rows dropped, 3 partitions; the rest as given ({@code validationSplit}: the carve of a
   * given train, {@code --validation-split}, or null).
   */
  private static SparkImport.Options options(
      Path input,
      String format,
      SplitMethod split,
      double validation,
      String name,
      Path testInput,
      String timestampColumn,
      String weightColumn,
      IdMapping ids,
      SplitMethod validationSplit) {
    return new SparkImport.Options(
        input,
        format,
        ",",
        false,
        "0",
        "1",
        timestampColumn,
        null,
        -Double.MAX_VALUE,
        split,
        split == SplitMethod.LEAVE_LAST_OUT ? 0 : 0.2,
        validation,
        7,
        true,
        name,
        3,
        testInput,
        weightColumn,
        ids,
        validationSplit);
  }

  @Test
  void importsTheSameDatasetAsTheSingleMachineImporter() throws IOException {
    Path[] log = log();
    try (SparkSession spark = localSession()) {
      for (SplitMethod split :
          List.of(SplitMethod.HASH_RATIO, SplitMethod.LEAVE_LAST_OUT, SplitMethod.LATEST_RATIO)) {
        double validation = split.byRatio() ? 0.1 : 0.0;
        Path single = tmp.resolve("single-" + split.optionValue());
        Path sharded = tmp.resolve("spark-" + split.optionValue());
        ImportReport expected = singleMachine(log[1], single, split.optionValue(), validation);
        SparkImport.Summary s =
            SparkImport.run(spark, sparkOptions(log[0], split, validation), sharded, false);
        DatasetManifest m = s.manifest();

        assertThat(m.fingerprint()).as(split.optionValue()).isEqualTo(expected.fingerprint());
        assertThat(m.train().files()).as("train written as shards").hasSizeGreaterThan(1);
        DatasetManifest singleManifest = DatasetReader.readManifest(single);
        for (String key :
            List.of("duplicates", "unseen_dropped", "compacted_users", "compacted_items")) {
          assertThat(m.build().stats().get(key))
              .as("%s %s", split.optionValue(), key)
              .isEqualTo(singleManifest.build().stats().get(key));
        }
        assertThat(m.build().stats().get("duplicates")).isPositive();
        assertThat(m.build().stats().get("unseen_dropped")).isPositive();
        assertThat(m.build().stats().get("lines"))
            .isEqualTo(singleManifest.build().stats().get("lines"));

        // read back through the single-machine reader: the same arrays, split by split
        DatasetContent a = DatasetReader.read(single).content();
        DatasetContent b = DatasetReader.read(sharded).content();
        assertThat(b.numUsers()).isEqualTo(a.numUsers());
        assertThat(b.numItems()).isEqualTo(a.numItems());
        assertThat(b.train().userIds()).isEqualTo(a.train().userIds());
        assertThat(b.train().itemIds()).isEqualTo(a.train().itemIds());
        assertThat(b.train().timestamps()).isEqualTo(a.train().timestamps());
        assertThat(b.test().itemIds()).isEqualTo(a.test().itemIds());
        assertThat(b.userIdMap()).isEqualTo(a.userIdMap());
        assertThat(b.itemIdMap()).isEqualTo(a.itemIdMap());
        assertThat(b.itemTrainCounts()).isEqualTo(a.itemTrainCounts());
        if (validation > 0) {
          assertThat(b.validation().size()).isPositive().isEqualTo(a.validation().size());
        }
      }
      // the same log as typed Parquet (int items, long timestamps): the same dataset again
      Path parquet = tmp.resolve("parquet");
      spark
          .read()
          .csv(log[0].toString())
          .selectExpr("_c0", "CAST(_c1 AS INT) AS _c1", "CAST(_c2 AS BIGINT) AS _c2")
          .write()
          .parquet(parquet.toString());
      SparkImport.Summary fromParquet =
          SparkImport.run(
              spark,
              sparkOptions(parquet, "parquet", SplitMethod.HASH_RATIO, 0.1),
              tmp.resolve("spark-parquet"),
              false);
      assertThat(fromParquet.manifest().fingerprint())
          .isEqualTo(DatasetReader.readManifest(tmp.resolve("single-hash-ratio")).fingerprint());
      assertThat(fromParquet.manifest().build().importer()).isEqualTo("spark-parquet");
      // count on Spark reads every shard
      Path sharded = tmp.resolve("spark-" + SplitMethod.HASH_RATIO.optionValue());
      long[] counted =
          ItemCounts.count(JavaSparkContext.fromSparkContext(spark.sparkContext()), sharded);
      assertThat(counted).isEqualTo(DatasetReader.read(sharded).content().itemTrainCounts());
    }
  }

  @Test
  void withoutTimestampsWithAHeaderQuotesAndUnseenRowsKept() throws IOException {
    SplittableRandom r = new SplittableRandom(3);
    List<String> lines = new java.util.ArrayList<>();
    for (int u = 0; u < 150; u++) {
      // quoted ids: one holding the separator, one a doubled quote (RFC 4180)
      String user = u % 50 == 1 ? "\"u," + u + "\"" : u % 50 == 2 ? "\"u\"\"" + u + "\"" : "u" + u;
      int n = 1 + r.nextInt(12);
      for (int k = 0; k < n; k++) {
        int item = r.nextInt(4) == 0 ? 100 + r.nextInt(400) : r.nextInt(30);
        int rating = 1 + r.nextInt(5);
        // a space after the separator, trimmed on both sides
        lines.add(user + ", " + item + "," + rating);
        if (r.nextInt(8) == 0) {
          lines.add(user + "," + item + "," + rating);
        }
      }
    }
    Path parts = Files.createDirectories(tmp.resolve("log"));
    int per = (lines.size() + 2) / 3;
    for (int p = 0; p < 3; p++) {
      List<String> part = new java.util.ArrayList<>(List.of("user,item,rating"));
      part.addAll(lines.subList(p * per, Math.min(lines.size(), (p + 1) * per)));
      Files.write(parts.resolve("part-" + p + ".csv"), part);
    }
    List<String> all = new java.util.ArrayList<>(List.of("user,item,rating"));
    all.addAll(lines);
    Path file = Files.write(tmp.resolve("all.csv"), all);

    Map<String, Object> o = new HashMap<>();
    o.put("path", file.toString());
    o.put("separator", "comma");
    o.put("header", true);
    o.put("user-column", "user");
    o.put("item-column", "ITEM"); // names match ignoring case on both sides
    o.put("split", "hash-ratio");
    o.put("test-ratio", 0.3);
    o.put("unseen-test", "keep");
    o.put("rating-column", "rating");
    o.put("rating-threshold", 2.5);
    ImportReport expected =
        DatasetImporter.run("delimited", Options.of("import", o), tmp.resolve("a"));
    try (SparkSession spark = localSession()) {
      SparkImport.Summary s =
          SparkImport.run(
              spark,
              new SparkImport.Options(
                  parts,
                  "csv",
                  "comma",
                  true,
                  "user",
                  "ITEM",
                  null,
                  "rating",
                  2.5,
                  SplitMethod.HASH_RATIO,
                  0.3,
                  0,
                  42,
                  false,
                  "log",
                  2,
                  null,
                  null,
                  IdMapping.DENSE,
                  null),
              tmp.resolve("b"),
              false);
      assertThat(s.manifest().fingerprint()).isEqualTo(expected.fingerprint());
      assertThat(s.manifest().hasTimestamps()).isFalse();
      assertThat(s.manifest().build().stats().get("unseen_kept")).isPositive();
      assertThat(s.manifest().build().stats().get("duplicates")).isPositive();
      assertThat(s.manifest().build().stats().get("below_threshold")).isPositive();
      // every counter as cbns import counts it (duplicates among the rows above the threshold)
      assertThat(s.manifest().build().stats())
          .isEqualTo(DatasetReader.readManifest(tmp.resolve("a")).build().stats());
      assertThat(DatasetReader.read(tmp.resolve("b")).content().userIdMap())
          .contains("u,1", "u\"2");
    }
  }

  @Test
  void preSplitLogsImportAsCbnsImportDelimitedWithTrainAndTestPaths() throws IOException {
    // train and test logs of named users: duplicate pairs at other times, test pairs also in
    // train, test rows of users and items never in train; each as 2 part files and as one file
    SplittableRandom r = new SplittableRandom(17);
    List<String> train = new java.util.ArrayList<>();
    List<String> test = new java.util.ArrayList<>();
    for (int u = 0; u < 150; u++) {
      for (int k = 0; k < 2 + r.nextInt(12); k++) {
        String pair = "u" + u + "," + r.nextInt(80);
        train.add(pair + "," + (1_000 + r.nextInt(50_000)));
        if (r.nextInt(8) == 0) {
          train.add(pair + "," + (1_000 + r.nextInt(50_000)));
        }
        if (r.nextInt(15) == 0) {
          test.add(pair + "," + (60_000 + r.nextInt(1_000)));
        }
      }
      test.add(
          "u" + u + "," + (r.nextInt(4) == 0 ? 500 + r.nextInt(20) : r.nextInt(80)) + ",70000");
    }
    test.add("stranger,3,70001");
    Path parts = Files.createDirectories(tmp.resolve("presplit"));
    Path[] dirs = new Path[2];
    Path[] files = new Path[2];
    for (int s = 0; s < 2; s++) {
      List<String> lines = s == 0 ? train : test;
      String name = s == 0 ? "train" : "test";
      dirs[s] = Files.createDirectories(parts.resolve(name + "-parts"));
      int half = lines.size() / 2;
      // the train files start with a byte-order mark, which both importers skip
      String bom = s == 0 ? "\uFEFF" : "";
      Files.writeString(
          dirs[s].resolve("part-00000.csv"), bom + String.join("\n", lines.subList(0, half)));
      Files.write(dirs[s].resolve("part-00001.csv"), lines.subList(half, lines.size()));
      files[s] = Files.writeString(parts.resolve(name + ".csv"), bom + String.join("\n", lines));
    }
    Map<String, Object> o = new HashMap<>();
    o.put("train-path", files[0].toString());
    o.put("test-path", files[1].toString());
    o.put("timestamp-column", 2);
    ImportReport expected =
        DatasetImporter.run("delimited", Options.of("import", o), tmp.resolve("presplit-single"));
    SparkImport.Options options = presplit(dirs[0], dirs[1], 0);
    try (SparkSession spark = localSession()) {
      DatasetManifest m =
          SparkImport.run(spark, options, tmp.resolve("presplit-spark"), false).manifest();
      assertThat(m.fingerprint()).isEqualTo(expected.fingerprint());
      DatasetManifest single = DatasetReader.readManifest(tmp.resolve("presplit-single"));
      assertThat(m.build().stats()).isEqualTo(single.build().stats());
      assertThat(m.build().stats().get("train_test_overlap")).isPositive();
      assertThat(m.build().stats().get("duplicates")).isPositive();
      assertThat(m.build().stats().get("unseen_dropped")).isPositive();
      assertThat(m.build().sourceFiles()).hasSize(4);
    }
    // a validation carve of the given train, as cbns import draws it with the same method
    for (SplitMethod carve :
        new SplitMethod[] {SplitMethod.HASH_RATIO, SplitMethod.LEAVE_LAST_OUT}) {
      o.put("validation-ratio", 0.25);
      o.put("validation-split", carve.optionValue());
      o.put("seed", 7); // the Spark options' seed
      Path single = tmp.resolve("presplit-single-" + carve.optionValue());
      ImportReport carved = DatasetImporter.run("delimited", Options.of("import", o), single);
      try (SparkSession spark = localSession()) {
        Path sharded = tmp.resolve("presplit-spark-" + carve.optionValue());
        DatasetManifest m =
            SparkImport.run(spark, presplit(dirs[0], dirs[1], 0.25, carve), sharded, false)
                .manifest();
        assertThat(m.fingerprint()).as(carve.optionValue()).isEqualTo(carved.fingerprint());
        assertThat(m.build().stats()).isEqualTo(DatasetReader.readManifest(single).build().stats());
        assertThat(m.validation().rows()).as(carve.optionValue()).isPositive();
      }
    }
    assertThatThrownBy(() -> presplit(dirs[0], dirs[1], 0.1, null))
        .hasMessageContaining("--validation-ratio with --test-input needs --validation-split");
    assertThatThrownBy(() -> presplit(dirs[0], dirs[1], 0.1, SplitMethod.RATIO))
        .hasMessageContaining("--validation-split ratio reads one random stream");
    assertThatThrownBy(() -> presplit(dirs[0], dirs[1], 0, SplitMethod.HASH_RATIO))
        .hasMessageContaining("--validation-split only applies with --validation-ratio > 0");
    assertThatThrownBy(
            () ->
                options(
                    files[0],
                    "csv",
                    SplitMethod.HASH_RATIO,
                    0.1,
                    "one",
                    null,
                    "2",
                    null,
                    IdMapping.DENSE,
                    SplitMethod.HASH_RATIO))
        .hasMessageContaining("--validation-split is for --test-input and --format lightgcn");
  }

  /** A pre-split CSV import: train parts in {@code train}, test parts in {@code test}. */
  private static SparkImport.Options presplit(Path train, Path test, double validation) {
    return presplit(train, test, validation, null);
  }

  private static SparkImport.Options presplit(
      Path train, Path test, double validation, SplitMethod carve) {
    return options(
        train,
        "csv",
        SplitMethod.HASH_RATIO,
        validation,
        "presplit",
        test,
        "2",
        null,
        IdMapping.DENSE,
        carve);
  }

  /**
   * 300 users with numeric ids with gaps ({@code 3u + 5}: used as given they differ from dense ids)
   * over numeric items with a long tail, a timestamp and a weight per row written in several ways
   * ({@code 0.37}, {@code 1e-3}, {@code 2}, {@code -0.5}); duplicate pairs with another weight at
   * another time or at the same time (the first in input order wins the tie), users with one
   * interaction. Lines shuffled into 4 part files, which also go to {@code train-parts} (parts 0
   * and 1) and {@code test-parts} (2 and 3), with the concatenations of each.
   */
  private Map<String, Path> weightedLog() throws IOException {
    SplittableRandom r = new SplittableRandom(23);
    List<String> lines = new java.util.ArrayList<>();
    for (int u = 0; u < 300; u++) {
      int n = u % 13 == 0 ? 1 : 2 + r.nextInt(20);
      for (int k = 0; k < n; k++) {
        String pair = (3 * u + 5) + "," + (r.nextInt(3) == 0 ? r.nextInt(1500) : r.nextInt(50));
        long t = 1_000 + r.nextInt(100_000);
        lines.add(pair + "," + t + "," + weight(r));
        if (r.nextInt(6) == 0) { // the same pair again: at the same time, or another one
          long again = r.nextBoolean() ? t : t + r.nextInt(2001) - 1000;
          lines.add(pair + "," + again + "," + weight(r));
        }
      }
    }
    java.util.Collections.shuffle(lines, new java.util.Random(9));
    Map<String, Path> out = new HashMap<>();
    Path all = Files.createDirectories(tmp.resolve("weighted"));
    Path train = Files.createDirectories(tmp.resolve("train-parts"));
    Path test = Files.createDirectories(tmp.resolve("test-parts"));
    int per = (lines.size() + 3) / 4;
    for (int p = 0; p < 4; p++) {
      List<String> part = lines.subList(p * per, Math.min(lines.size(), (p + 1) * per));
      String name = String.format("part-%05d.csv", p);
      Files.write(all.resolve(name), part);
      Files.write((p < 2 ? train : test).resolve(name), part);
    }
    out.put("parts", all);
    out.put("all", Files.write(tmp.resolve("weighted.csv"), lines));
    out.put("train-parts", train);
    out.put("test-parts", test);
    Path pre = Files.createDirectories(tmp.resolve("weighted-presplit"));
    out.put("train", Files.write(pre.resolve("train.csv"), lines.subList(0, 2 * per)));
    out.put("test", Files.write(pre.resolve("test.csv"), lines.subList(2 * per, lines.size())));
    return out;
  }

  private static String weight(SplittableRandom r) {
    return switch (r.nextInt(4)) {
      case 0 -> String.valueOf(r.nextInt(1000) / 100.0);
      case 1 -> (1 + r.nextInt(9)) + "e-3";
      case 2 -> String.valueOf(r.nextInt(5));
      default -> "-0." + r.nextInt(10);
    };
  }

  /** The weighted log's columns (user, item, time or none, weight) for the Spark importer. */
  private static SparkImport.Options weightedOptions(
      Path input, Path testInput, boolean timestamps, double validation, IdMapping ids) {
    return options(
        input,
        "csv",
        SplitMethod.HASH_RATIO,
        validation,
        "weighted",
        testInput,
        timestamps ? "2" : null,
        "3",
        ids,
        null);
  }

  /** The same columns and options for cbns import delimited. */
  private static Map<String, Object> weightedSingleMachine(
      Map<String, Object> paths, boolean timestamps, double validation, IdMapping ids) {
    Map<String, Object> o = new HashMap<>(paths);
    if (timestamps) {
      o.put("timestamp-column", 2);
    }
    o.put("weight-column", 3);
    o.put("id-mapping", ids.optionValue());
    if (paths.containsKey("path")) {
      o.put("split", "hash-ratio");
      o.put("test-ratio", 0.2);
    }
    o.put("validation-ratio", validation);
    o.put("seed", 7);
    o.put("name", "weighted");
    return o;
  }

  /** Every split's arrays, the id spaces and maps, the counts and the counters are the same. */
  private static void assertSameDataset(String what, Path single, Path spark) {
    DatasetManifest expected = DatasetReader.readManifest(single);
    DatasetManifest actual = DatasetReader.readManifest(spark);
    assertThat(actual.fingerprint()).as(what).isEqualTo(expected.fingerprint());
    assertThat(actual.build().stats()).as(what).isEqualTo(expected.build().stats());
    assertThat(actual.hasWeights()).as(what).isTrue();
    DatasetContent a = DatasetReader.read(single).content();
    DatasetContent b = DatasetReader.read(spark).content();
    assertThat(b.numUsers()).as(what).isEqualTo(a.numUsers());
    assertThat(b.numItems()).as(what).isEqualTo(a.numItems());
    for (int s = 0; s < 3; s++) {
      var x = s == 0 ? a.train() : s == 1 ? a.validation() : a.test();
      var y = s == 0 ? b.train() : s == 1 ? b.validation() : b.test();
      if (x == null) {
        assertThat(y).as(what).isNull();
        continue;
      }
      assertThat(y.userIds()).as(what).isEqualTo(x.userIds());
      assertThat(y.itemIds()).as(what).isEqualTo(x.itemIds());
      assertThat(y.timestamps()).as(what).isEqualTo(x.timestamps());
      assertThat(y.weights()).as(what).isEqualTo(x.weights());
    }
    assertThat(b.userIdMap()).as(what).isEqualTo(a.userIdMap());
    assertThat(b.itemIdMap()).as(what).isEqualTo(a.itemIdMap());
    assertThat(b.itemTrainCounts()).as(what).isEqualTo(a.itemTrainCounts());
  }

  @Test
  void weightsAndIdsAsGivenImportAsCbnsImportDelimited() throws IOException {
    Map<String, Path> log = weightedLog();
    Map<String, Object> single = Map.of("path", log.get("all").toString());
    Map<String, Object> preSplit =
        Map.of("train-path", log.get("train").toString(), "test-path", log.get("test").toString());
    try (SparkSession spark = localSession()) {
      // ids as given with weights and timestamps, validation carved; dense ids with weights and
      // no timestamps (a pair's first row in input order keeps its weight); pre-split inputs
      record Case(String name, boolean preSplit, boolean timestamps, double v, IdMapping ids) {}
      for (Case c :
          List.of(
              new Case("identity", false, true, 0.1, IdMapping.IDENTITY),
              new Case("dense-untimed", false, false, 0, IdMapping.DENSE),
              new Case("presplit-identity", true, true, 0, IdMapping.IDENTITY))) {
        Path expected = tmp.resolve("single-" + c.name());
        DatasetImporter.run(
            "delimited",
            Options.of(
                "import",
                weightedSingleMachine(
                    c.preSplit() ? preSplit : single, c.timestamps(), c.v(), c.ids())),
            expected);
        Path actual = tmp.resolve("spark-" + c.name());
        SparkImport.run(
            spark,
            weightedOptions(
                log.get(c.preSplit() ? "train-parts" : "parts"),
                c.preSplit() ? log.get("test-parts") : null,
                c.timestamps(),
                c.v(),
                c.ids()),
            actual,
            false);
        assertSameDataset(c.name(), expected, actual);
        DatasetManifest m = DatasetReader.readManifest(actual);
        assertThat(m.build().stats().get("duplicates")).as(c.name()).isPositive();
        if (c.ids() == IdMapping.IDENTITY) {
          assertThat(m.userIds()).isNull();
          assertThat(m.numUsers()).isEqualTo(3 * 299 + 5 + 1);
          assertThat(m.build().stats().get("compacted_users")).isZero();
        } else {
          assertThat(m.userIds()).isNotNull();
        }
      }
    }
  }

  @Test
  void badIdsAndWeightsNameTheirInputAsCbnsImportWouldSayIt() throws IOException {
    Path train = Files.createDirectories(tmp.resolve("train"));
    Files.writeString(train.resolve("part-0.csv"), "1,3,100,0.5\n2,4,200,1\n");
    Path test = Files.createDirectories(tmp.resolve("test"));
    Files.writeString(test.resolve("part-0.csv"), "1,4,300,1\n");
    Files.writeString(test.resolve("part-1.csv"), "-4,3,400,1\n");
    Path trainFile = Files.writeString(tmp.resolve("train.csv"), "1,3,100,0.5\n2,4,200,1\n");
    Path testFile = Files.writeString(tmp.resolve("test.csv"), "1,4,300,1\n-4,3,400,1\n");
    String negative = "negative user id -4; ids must be non-negative integers";
    // cbns import says it so
    Map<String, Object> paths =
        Map.of("train-path", trainFile.toString(), "test-path", testFile.toString());
    assertThatThrownBy(
            () ->
                DatasetImporter.run(
                    "delimited",
                    Options.of("import", weightedSingleMachine(paths, true, 0, IdMapping.IDENTITY)),
                    tmp.resolve("never")))
        .hasMessageContaining(negative);
    try (SparkSession spark = localSession()) {
      weightedImportFails(spark, train, test, IdMapping.IDENTITY, "o1")
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining(test + " (--test-input): the row [-4,3,400,1]: " + negative)
          .hasMessageContaining("leave it out");
      // an id too large for 32 bits, and a word
      Files.writeString(test.resolve("part-1.csv"), "1,99999999999,400,1\n");
      weightedImportFails(spark, train, test, IdMapping.IDENTITY, "o2")
          .hasMessageContaining(
              "item id 99999999999 does not fit in a 32-bit id (at most 2147483646)");
      // (more word rows than part files: not a header line per file)
      Files.writeString(test.resolve("part-1.csv"), "u1,3,400,1\nu2,3,1,1\nu3,3,1,1\nu4,3,1,1\n");
      weightedImportFails(spark, train, test, IdMapping.IDENTITY, "o3")
          .hasMessageContaining("expected a non-negative integer user id, found 'u");
      // a weight that is not a number, and (dense ids) a row of the test input without an item:
      // each names the test input, not the train input
      Files.writeString(test.resolve("part-1.csv"), "1,3,400,heavy\n");
      weightedImportFails(spark, train, test, IdMapping.DENSE, "o4")
          .hasMessageContaining(test + " (--test-input): the row [1,3,400,heavy]")
          .hasMessageContaining("expected a finite number as weight, found 'heavy'")
          .hasMessageContaining("--weight-column");
      Files.writeString(test.resolve("part-1.csv"), "1,,400,1\n");
      weightedImportFails(spark, train, test, IdMapping.DENSE, "o5")
          .hasMessageContaining(
              test + " (--test-input): the row [1,null,400,1] has no user or item id");
      for (String o : List.of("o1", "o2", "o3", "o4", "o5")) {
        assertThat(tmp.resolve(o)).doesNotExist();
      }
    }
  }

  /**
   * The weighted pre-split import of {@code train} and {@code test} into tmp/{@code out}, failing.
   */
  private AbstractThrowableAssert<?, ? extends Throwable> weightedImportFails(
      SparkSession spark, Path train, Path test, IdMapping ids, String out) {
    return assertThatThrownBy(
        () ->
            SparkImport.run(
                spark, weightedOptions(train, test, true, 0, ids), tmp.resolve(out), false));
  }

  private static SparkImport.Options lightGcnOptions(Path dir, double validation, boolean drop) {
    return lightGcnOptions(dir, validation, drop, null);
  }

  private static SparkImport.Options lightGcnOptions(
      Path dir, double validation, boolean drop, SplitMethod carve) {
    return new SparkImport.Options(
        dir,
        SparkImport.LIGHTGCN,
        ",",
        false,
        "0",
        "1",
        null,
        null,
        -Double.MAX_VALUE,
        SplitMethod.HASH_RATIO,
        0.2,
        validation,
        42,
        drop,
        dir.getFileName().toString(),
        2,
        null,
        null,
        IdMapping.DENSE,
        carve);
  }

  @Test
  void aLightGcnDirectoryImportsAsCbnsImportLightGcnDoes() throws IOException {
    // duplicate pairs, a test pair also in train, an unseen test item (99) and user (7), a user
    // line without items, blank lines, tabs, a byte-order mark and a Windows line end
    Path dir = Files.createDirectories(tmp.resolve("lgcn"));
    Files.writeString(
        dir.resolve("train.txt"),
        "\uFEFF0 1 2 3 2\n1\t4 5\r\n\n2 1 3 5 5\n3 0 01\n4\n5 2 6\n6 6 1 0\n");
    Files.writeString(dir.resolve("test.txt"), "0 4 1\n1 99 2\n2 0\n\n3 6\n7 1\n5 3 5\n");
    try (SparkSession spark = localSession()) {
      for (boolean drop : new boolean[] {true, false}) {
        Map<String, Object> o = new HashMap<>();
        o.put("path", dir.toString());
        o.put("unseen-test", drop ? "drop" : "keep");
        Path single = tmp.resolve("lgcn-single-" + drop);
        ImportReport expected = DatasetImporter.run("lightgcn", Options.of("import", o), single);
        SparkImport.Options options = lightGcnOptions(dir, 0, drop);
        Path sharded = tmp.resolve("lgcn-spark-" + drop);
        DatasetManifest m = SparkImport.run(spark, options, sharded, false).manifest();
        assertThat(m.fingerprint()).as("drop %s", drop).isEqualTo(expected.fingerprint());
        assertThat(m.build().stats()).isEqualTo(DatasetReader.readManifest(single).build().stats());
        assertThat(m.build().stats().get("train_test_overlap")).isEqualTo(1);
        assertThat(m.build().stats().get("duplicates")).isEqualTo(2);
        assertThat(m.build().stats().get(drop ? "unseen_dropped" : "unseen_kept")).isEqualTo(2);
        assertThat(m.userIds()).isNull();
        assertThat(m.numItems()).isEqualTo(100);
      }
      Path bad = Files.createDirectories(tmp.resolve("lgcn-bad"));
      Files.writeString(bad.resolve("train.txt"), "0 1 2\n1 x3 4\n");
      Files.writeString(bad.resolve("test.txt"), "0 3\n");
      SparkImport.Options badOptions = lightGcnOptions(bad, 0, true);
      assertThatThrownBy(() -> SparkImport.run(spark, badOptions, tmp.resolve("never"), false))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("train.txt")
          .hasMessageContaining("'1 x3 4'");
      assertThat(tmp.resolve("never")).doesNotExist();
      // validation carved from train.txt as cbns import lightgcn carves it with hash-ratio
      Map<String, Object> o = new HashMap<>();
      o.put("path", dir.toString());
      o.put("validation-ratio", 0.4);
      o.put("validation-split", "hash-ratio");
      Path single = tmp.resolve("lgcn-single-carved");
      ImportReport expected = DatasetImporter.run("lightgcn", Options.of("import", o), single);
      DatasetManifest m =
          SparkImport.run(
                  spark,
                  lightGcnOptions(dir, 0.4, true, SplitMethod.HASH_RATIO),
                  tmp.resolve("lgcn-spark-carved"),
                  false)
              .manifest();
      assertThat(m.fingerprint()).isEqualTo(expected.fingerprint());
      assertThat(m.build().stats()).isEqualTo(DatasetReader.readManifest(single).build().stats());
      assertThat(m.validation().rows()).isPositive();
    }
    assertThatThrownBy(() -> lightGcnOptions(dir, 0.1, true))
        .hasMessageContaining("--validation-ratio with --format lightgcn needs --validation-split");
    assertThatThrownBy(() -> lightGcnOptions(dir, 0.1, true, SplitMethod.LEAVE_LAST_OUT))
        .hasMessageContaining("which a LightGCN directory does not have");
  }

  @Test
  void badInputAndUnsupportedOptionsAreNamed() throws IOException {
    assertThatThrownBy(() -> sparkOptions(tmp, SplitMethod.RATIO, 0))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("hash-ratio");
    Path parts = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(parts.resolve("part-0.csv"), "u1,3,100\nu2,,200\nu3,4,300\n");
    Files.writeString(parts.resolve("part-1.csv"), "u4,5,x\n");
    try (SparkSession spark = localSession()) {
      assertThatThrownBy(
              () ->
                  SparkImport.run(
                      spark,
                      sparkOptions(parts, SplitMethod.HASH_RATIO, 0),
                      tmp.resolve("o"),
                      false))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("has no user or item id");
      assertThat(tmp.resolve("o")).doesNotExist();
      Path headed = Files.createDirectories(tmp.resolve("headed"));
      Files.writeString(headed.resolve("part-0.csv"), "user,item,time\n1,3,100\n2,4,200\n");
      Files.writeString(headed.resolve("part-1.csv"), "user,item,time\n3,3,100\n1,5,300\n");
      assertThatThrownBy(
              () ->
                  SparkImport.run(
                      spark,
                      sparkOptions(headed, SplitMethod.HASH_RATIO, 0),
                      tmp.resolve("o3"),
                      false))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("looks like a header")
          .hasMessageContaining("--header");
      Path ok = Files.createDirectories(tmp.resolve("ok"));
      Files.writeString(ok.resolve("part-0.csv"), "u1,3,100\nu1,4,200\n");
      assertThatThrownBy(
              () ->
                  SparkImport.run(
                      spark,
                      new SparkImport.Options(
                          ok,
                          "csv",
                          ",",
                          false,
                          "user",
                          "1",
                          null,
                          null,
                          -Double.MAX_VALUE,
                          SplitMethod.HASH_RATIO,
                          0.2,
                          0,
                          7,
                          true,
                          "x",
                          2,
                          null,
                          null,
                          IdMapping.DENSE,
                          null),
                      tmp.resolve("o2"),
                      false))
          .hasMessageContaining("--user-column user: no such column");
    }
    try (var files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporary directory left behind")
          .noneMatch(n -> n.startsWith("."));
    }
  }
}
