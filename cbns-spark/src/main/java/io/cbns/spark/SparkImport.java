package io.cbns.spark;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.cbns.core.CbnsException;
import io.cbns.data.arrow.format.ArrowColumns;
import io.cbns.data.arrow.format.DatasetContent;
import io.cbns.data.arrow.format.DatasetLayout;
import io.cbns.data.arrow.format.DatasetManifest;
import io.cbns.data.arrow.format.DatasetManifest.BuildInfo;
import io.cbns.data.arrow.format.DatasetManifest.FileEntry;
import io.cbns.data.arrow.format.DatasetManifest.SourceFile;
import io.cbns.data.arrow.format.DatasetWriter;
import io.cbns.data.arrow.format.InteractionTable;
import io.cbns.data.arrow.format.Sha256;
import io.cbns.data.arrow.importer.DatasetAssembler;
import io.cbns.data.arrow.importer.DatasetImporter;
import io.cbns.data.arrow.importer.DelimitedImport;
import io.cbns.data.arrow.importer.IdMapping;
import io.cbns.data.arrow.importer.IdOrder;
import io.cbns.data.arrow.importer.ImportSupport;
import io.cbns.data.arrow.importer.LightGcnImport;
import io.cbns.data.arrow.importer.SplitMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Imports a partitioned interaction log (CSV or Parquet files, one row per interaction) into a cbns
 * dataset directory on Spark, with the single-machine {@code delimited} importer's rules for the
 * steps it shares: ids trimmed, dense ids in the sorted order of the originals ({@link IdOrder}),
 * one row per (user, item) pair (the earliest timestamp), a per-user split ({@code hash-ratio},
 * {@code latest-ratio} or {@code leave-last-out}, then validation carved the same way: {@link
 * DatasetAssembler#splitCodes}), held-out rows whose user or item is not in train dropped or kept,
 * unused ids compacted. The same input gives the same dataset content, and so the same fingerprint,
 * as {@code cbns import} of the concatenated files. With a pre-split test input, no split is drawn:
 * each input's pairs are kept once and test pairs that are also in train removed, as {@code cbns
 * import delimited} does with {@code train-path} and {@code test-path}. A LightGCN directory
 * ({@code --format lightgcn}) is imported with the {@code lightgcn} importer's rules instead (ids
 * as given, train and test as given, test pairs also in train removed), to the same content as
 * {@code cbns import lightgcn}.
 *
 * <p>Each split is written as shards, one Arrow file per Spark partition of the split sorted by
 * (user, item), by the executors into a temporary sibling of the output; the driver writes the id
 * maps and item counts (O(users + items)), computes the fingerprint by reading the shards back one
 * at a time, writes the manifest last and renames the directory into place. The driver never holds
 * the interactions; a partition of the split step holds its users' rows. The output must be on a
 * file system that the driver and every executor see (local mode, or a shared mount).
 *
 * <p>As {@code cbns import delimited}, a weight column is stored as {@code weight} float32 (a pair
 * keeps the weight of its first row: the earliest, ties in input order) and ids can be used as
 * given ({@code id-mapping: identity}: non-negative ints, no id maps, no compaction).
 *
 * <p>A validation carve of a pre-split input's or a LightGCN directory's train is drawn with {@code
 * --validation-split} ({@code hash-ratio}, {@code latest-ratio} or {@code leave-last-out}), as
 * {@code cbns import} carves it with the same {@code validation-split}. Not supported here (use
 * {@code cbns import}): the sequential {@code ratio} split, which partitions cannot reproduce.
 */
public final class SparkImport {
  /** The {@code --format} of a LightGCN directory ({@code train.txt}, {@code test.txt}). */
  static final String LIGHTGCN = "lightgcn";

  /** The largest id used as given: {@code max + 1} must still be an int (the id-space size). */
  private static final int MAX_ID = Integer.MAX_VALUE - 1;

  /**
   * A row's place in its input, kept with weights only: the file, the start of the file's block a
   * task read and the row's position in that task; ordered, they give the input order cbns import
   * reads the concatenated files in (files in the order of their paths, lines in file order).
   */
  private static final String FILE = "_file";

  private static final String BLOCK = "_block";
  private static final String POSITION = "_position";

  private SparkImport() {}

  /**
   * What to import.
   *
   * @param input a file or a directory of part files
   * @param format {@code csv} or {@code parquet}
   * @param separator the CSV field separator
   * @param header whether CSV files start with a header line
   * @param userColumn the user id column: a name, or a 0-based position
   * @param itemColumn the item id column
   * @param timestampColumn the timestamp column (integers), or null
   * @param ratingColumn the rating column, or null
   * @param ratingThreshold rows whose rating is below it are dropped before anything else, as
   *     {@code cbns import} does; needs {@code ratingColumn}
   * @param split {@code hash-ratio}, {@code latest-ratio} or {@code leave-last-out}
   * @param testRatio the held-out fraction of {@code hash-ratio} and {@code latest-ratio}
   * @param validationRatio the validation fraction carved from train (0: none)
   * @param seed the seed of the random splits
   * @param dropUnseen whether held-out rows whose user or item is not in train are dropped
   * @param name the dataset's name
   * @param partitions Spark partitions of the split step and of each split's shards
   * @param testInput a pre-split test input (a file or a directory of parts), with {@code input}
   *     the train input; null to split {@code input}
   * @param weightColumn the weight column (numbers, stored as {@code weight} float32), or null
   * @param idMapping {@code dense} (ids numbered in the sorted order of the originals, id maps
   *     stored) or {@code identity} (ids are non-negative ints used as given, no id maps)
   * @param validationSplit how validation is carved from the train of a pre-split input or a
   *     LightGCN directory ({@code hash-ratio}, {@code latest-ratio} or {@code leave-last-out};
   *     required there with a validation ratio, since {@code cbns import} defaults to {@code
   *     ratio}), or null; a single input's validation is carved with {@code split}
   */
  public record Options(
      Path input,
      String format,
      String separator,
      boolean header,
      String userColumn,
      String itemColumn,
      String timestampColumn,
      String ratingColumn,
      double ratingThreshold,
      SplitMethod split,
      double testRatio,
      double validationRatio,
      long seed,
      boolean dropUnseen,
      String name,
      int partitions,
      Path testInput,
      String weightColumn,
      IdMapping idMapping,
      SplitMethod validationSplit) {
    public Options {
      requireNonNull(input, "input is null");
      requireNonNull(idMapping, "idMapping is null");
      requireNonNull(userColumn, "userColumn is null");
      requireNonNull(itemColumn, "itemColumn is null");
      requireNonNull(split, "split is null");
      requireNonNull(name, "name is null");
      if (!format.equals("csv") && !format.equals("parquet") && !format.equals(LIGHTGCN)) {
        throw new CbnsException("--format must be csv, parquet or lightgcn, got " + format);
      }
      if (testInput != null && format.equals(LIGHTGCN)) {
        throw new CbnsException(
            "--test-input is for csv and parquet; a LightGCN directory holds its own test.txt");
      }
      boolean givenTrain = testInput != null || format.equals(LIGHTGCN);
      if (validationSplit != null && !givenTrain) {
        throw new CbnsException(
            "--validation-split is for --test-input and --format lightgcn; one input's validation"
                + " is carved with --split's method");
      }
      if (validationSplit != null && validationRatio == 0) {
        throw new CbnsException(
            "--validation-split only applies with --validation-ratio > 0; set --validation-ratio"
                + " or leave --validation-split out");
      }
      if (givenTrain && validationRatio > 0 && validationSplit == null) {
        throw new CbnsException(
            "--validation-ratio with "
                + (testInput != null
                    ? "--test-input needs --validation-split hash-ratio, latest-ratio or"
                        + " leave-last-out"
                    : "--format lightgcn needs --validation-split hash-ratio")
                + ": cbns import carves a"
                + " given train with ratio unless told otherwise, which partitions cannot"
                + " reproduce; give cbns import the same validation-split");
      }
      if (validationSplit == SplitMethod.RATIO) {
        throw new CbnsException(
            "--validation-split ratio reads one random stream user after user and cannot be"
                + " reproduced by partitions; use hash-ratio (the same per-user counts),"
                + " latest-ratio or leave-last-out");
      }
      if (validationSplit != null && validationSplit.needsTimestamps() && timestampColumn == null) {
        throw new CbnsException(
            "--validation-split "
                + validationSplit.optionValue()
                + " needs "
                + (format.equals(LIGHTGCN)
                    ? "timestamps, which a LightGCN directory does not have here (cbns import"
                        + " reads its line order as time with line-order: time); use hash-ratio"
                    : "--timestamp-column (which column is the time)"));
      }
      if (format.equals(LIGHTGCN)
          && (timestampColumn != null || ratingColumn != null || weightColumn != null || header)) {
        throw new CbnsException(
            "--timestamp-column, --rating-column, --weight-column and --header are for csv and"
                + " parquet; a LightGCN directory holds 'user item item ...' lines only");
      }
      if (ratingColumn == null && ratingThreshold > -Double.MAX_VALUE) {
        throw new CbnsException("--rating-threshold needs --rating-column (which column holds it)");
      }
      if (split == SplitMethod.RATIO) {
        throw new CbnsException(
            "--split ratio reads one random stream user after user and cannot be reproduced by"
                + " partitions; use hash-ratio (the same per-user counts), latest-ratio or"
                + " leave-last-out");
      }
      if (split != null && split.needsTimestamps() && timestampColumn == null) {
        throw new CbnsException(
            "--split "
                + split.optionValue()
                + " needs --timestamp-column (which column is the time)");
      }
      if (split != null && split.byRatio() && !(testRatio > 0 && testRatio < 1)) {
        throw new CbnsException("--test-ratio must be > 0 and < 1, got " + testRatio);
      }
      if (!(validationRatio >= 0 && validationRatio <= 0.9)) {
        throw new CbnsException("--validation-ratio must be in [0, 0.9], got " + validationRatio);
      }
      if (partitions < 1) {
        throw new CbnsException("--partitions must be >= 1, got " + partitions);
      }
    }

    private boolean timestamps() {
      return timestampColumn != null;
    }

    private boolean threshold() {
      return ratingColumn != null && ratingThreshold > -Double.MAX_VALUE;
    }

    private boolean weights() {
      return weightColumn != null;
    }

    private boolean dense() {
      return idMapping == IdMapping.DENSE;
    }

    /** The columns of a split's rows, in the order its shards and tables hold them. */
    private List<String> splitColumns() {
      List<String> columns = new ArrayList<>(List.of("uid", "iid"));
      if (timestamps()) {
        columns.add("t");
      }
      if (weights()) {
        columns.add("w");
      }
      return columns;
    }
  }

  /** What the import counted, as in the manifest's {@code build.stats}. */
  public record Summary(DatasetManifest manifest, double seconds) {}

  /** Imports {@code o.input()} into {@code output} (which must not exist unless overwriting). */
  public static Summary run(SparkSession spark, Options o, Path output, boolean overwrite) {
    long start = System.nanoTime();
    Path out = output.toAbsolutePath().normalize();
    DatasetWriter.checkOutput(out, overwrite);
    if (!Files.exists(o.input())) {
      throw new CbnsException(o.input() + ": no such file or directory");
    }
    if (o.testInput() != null && !Files.exists(o.testInput())) {
      throw new CbnsException(o.testInput() + ": no such file or directory (--test-input)");
    }
    Path tmp = DatasetWriter.temporarySibling(out);
    try {
      Files.createDirectories(out.getParent());
      Files.createDirectory(tmp);
      DatasetManifest manifest = importInto(spark, o, tmp);
      DatasetWriter.publish(tmp, out, overwrite);
      return new Summary(manifest, (System.nanoTime() - start) / 1e9);
    } catch (IOException e) {
      throw new CbnsException(out + ": cannot write the dataset (" + e + ")", e);
    } finally {
      DatasetWriter.deleteRecursively(tmp);
    }
  }

  private static DatasetManifest importInto(SparkSession spark, Options o, Path dir)
      throws IOException {
    if (o.format().equals(LIGHTGCN)) {
      return importLightGcn(spark, o, dir);
    }
    Dataset<Row> raw = read(spark, o, o.input());
    boolean preSplit = o.testInput() != null;
    Dataset<Row> rawTest = preSplit ? read(spark, o, o.testInput()) : null;
    // every persisted dataset, released however the import ends
    List<Dataset<Row>> cached = new ArrayList<>();
    try {
      Dataset<Row> all = raw.select(selectedColumns(raw, o));
      if (preSplit) {
        // each row tagged with its input's split
        all =
            all.withColumn("code", lit(DatasetAssembler.TRAIN))
                .unionByName(
                    rawTest
                        .select(selectedColumns(rawTest, o))
                        .withColumn("code", lit(DatasetAssembler.TEST)));
      }
      long belowThreshold = 0;
      long lines;
      Dataset<Row> rows;
      if (o.threshold()) {
        // as cbns import reads a line: the rating first, and a row below the threshold is dropped
        // before its ids and time are looked at
        all = cache(cached, all);
        checkNumbers(all, "r", "rating", "--rating-column", o);
        lines = all.count();
        rows = cache(cached, all.filter(number("r").geq(o.ratingThreshold())).drop("r"));
        belowThreshold = lines - rows.count();
        if (lines == belowThreshold) {
          throw new CbnsException(
              o.input()
                  + ": no interactions left ("
                  + belowThreshold
                  + " rows below rating-threshold "
                  + o.ratingThreshold()
                  + ")");
        }
      } else {
        rows = cache(cached, all);
        lines = -1;
      }
      // a header read as data first: its time column would fail checkRows with a vaguer message
      checkHeader(rows, o, raw.inputFiles().length + (preSplit ? rawTest.inputFiles().length : 0));
      checkRows(rows, o);
      if (o.weights()) {
        checkNumbers(rows, "w", "weight", "--weight-column", o);
      }
      if (!o.dense()) {
        checkIdentityIds(rows, o);
      }
      if (lines < 0) {
        lines = rows.count();
      }
      Dataset<Row> typed =
          o.timestamps() ? rows.withColumn("t", expr("try_cast(ts AS BIGINT)")).drop("ts") : rows;
      if (o.weights()) {
        // as cbns import stores one: the number read as a double, then rounded to a float
        typed = typed.withColumn("w", number("w").cast(DataTypes.FloatType));
      }

      String[] userMap = null;
      String[] itemMap = null;
      int numUsers;
      int numItems;
      Dataset<Row> ided;
      if (o.dense()) {
        // dense ids in the sorted order of the originals; the maps are O(users + items)
        userMap = IdOrder.sorted(rows.select("u").distinct().as(Encoders.STRING()).collectAsList());
        itemMap = IdOrder.sorted(rows.select("i").distinct().as(Encoders.STRING()).collectAsList());
        numUsers = userMap.length;
        numItems = itemMap.length;
        ided =
            typed
                .join(broadcast(idFrame(spark, userMap, "u", "uid")), "u")
                .join(broadcast(idFrame(spark, itemMap, "i", "iid")), "i")
                .drop("u", "i");
      } else {
        // ids as given: the id spaces are the largest id of either input plus one
        ided =
            typed
                .withColumn("uid", col("u").cast(DataTypes.IntegerType))
                .withColumn("iid", col("i").cast(DataTypes.IntegerType))
                .drop("u", "i");
        Row max = ided.agg(functions.max("uid"), functions.max("iid")).first();
        numUsers = max.getInt(0) + 1;
        numItems = max.getInt(1) + 1;
        checkIdSpaces(numUsers - 1, numItems - 1, lines - belowThreshold, o);
      }

      Dataset<Row> pairs = cache(cached, firstOfEachPair(ided, o));
      // as cbns import counts them: among the rows that passed the rating threshold
      long duplicates = lines - belowThreshold - pairs.count();
      long overlap = 0;

      Dataset<Row> split;
      if (preSplit) {
        // the inputs' own split, less the test pairs that are also in train
        Dataset<Row> trainPairs = pairs.filter(col("code").equalTo(lit(DatasetAssembler.TRAIN)));
        Dataset<Row> testPairs = pairs.filter(col("code").equalTo(lit(DatasetAssembler.TEST)));
        Dataset<Row> fresh =
            testPairs.join(
                trainPairs.select("uid", "iid"), new String[] {"uid", "iid"}, "left_anti");
        overlap = testPairs.count() - fresh.count();
        split = carveValidation(trainPairs, o).unionByName(fresh);
      } else {
        split = perUserSplit(pairs, o);
      }
      split = cache(cached, split);

      Dataset<Row> train = split.filter(col("code").equalTo(lit(DatasetAssembler.TRAIN)));
      Dataset<Row> heldOut = split.filter(col("code").notEqual(lit(DatasetAssembler.TRAIN)));
      long unseenDropped = 0;
      long unseenKept = 0;
      if (train.isEmpty()) {
        throw new CbnsException(o.input() + ": no train interactions (after deduplication)");
      }
      Dataset<Row> seenHeldOut = seenInTrain(heldOut, train);
      long heldOutRows = heldOut.count();
      long seenRows = seenHeldOut.count();
      pairs.unpersist(); // split is materialised now
      Dataset<Row> kept;
      if (o.dropUnseen()) {
        unseenDropped = heldOutRows - seenRows;
        kept = train.unionByName(seenHeldOut);
      } else {
        unseenKept = heldOutRows - seenRows;
        kept = split;
      }
      checkTestLeft(kept, o, unseenDropped);

      // compact (dense ids only, as cbns import): ids that ended up in no split are removed, the
      // rest renumbered in order
      long compactedUsers = 0;
      long compactedItems = 0;
      Dataset<Row> finalRows = kept;
      if (o.dense()) {
        int[] userRemap = remap(kept, "uid", numUsers);
        int[] itemRemap = remap(kept, "iid", numItems);
        compactedUsers = numUsers - kept(userRemap);
        compactedItems = numItems - kept(itemRemap);
        if (compactedUsers > 0) {
          finalRows = renumber(spark, finalRows, "uid", userRemap);
          userMap = compactNames(userMap, userRemap);
        }
        if (compactedItems > 0) {
          finalRows = renumber(spark, finalRows, "iid", itemRemap);
          itemMap = compactNames(itemMap, itemRemap);
        }
        numUsers = userMap.length;
        numItems = itemMap.length;
      }
      finalRows = cache(cached, finalRows);

      Map<String, Long> stats =
          stats(
              lines,
              belowThreshold,
              duplicates,
              overlap,
              unseenDropped,
              unseenKept,
              compactedUsers,
              compactedItems);
      return writeDataset(
          dir,
          o,
          finalRows,
          numUsers,
          numItems,
          userMap,
          itemMap,
          new BuildInfo(
              "spark-" + o.format(),
              options(o),
              o.seed(),
              sourceFiles(preSplit ? List.of(raw, rawTest) : List.of(raw)),
              stats));
    } finally {
      cached.forEach(Dataset::unpersist);
    }
  }

  /**
   * One row per pair (of each input, when pre-split), as cbns import keeps it: the row with the
   * earliest timestamp, ties and rows without timestamps in input order (which only matters for the
   * weight the pair keeps, so the input order is only tracked with weights).
   */
  private static Dataset<Row> firstOfEachPair(Dataset<Row> rows, Options o) {
    List<Column> key = new ArrayList<>(List.of(col("uid"), col("iid")));
    if (o.testInput() != null) {
      key.add(col("code"));
    }
    Column[] keys = key.toArray(new Column[0]);
    if (!o.weights()) {
      return o.timestamps()
          ? rows.groupBy(keys).agg(min("t").as("t"))
          : rows.select(keys).distinct();
    }
    // the smallest (time, input order) of the pair's rows, and its weight
    List<Column> order = new ArrayList<>();
    if (o.timestamps()) {
      order.add(col("t"));
    }
    order.addAll(List.of(col(FILE), col(BLOCK), col(POSITION), col("w")));
    List<Column> out = new ArrayList<>(key);
    if (o.timestamps()) {
      out.add(col("first.t").as("t"));
    }
    out.add(col("first.w").as("w"));
    return rows.groupBy(keys)
        .agg(min(struct(order.toArray(new Column[0]))).as("first"))
        .select(out.toArray(new Column[0]));
  }

  /**
   * A LightGCN directory, with the single-machine {@code lightgcn} importer's rules: lines {@code
   * user item item ...} (ids as given, spaces or tabs, blank lines skipped), the id spaces {@code
   * [0, max id + 1)} over both files, each file's pairs kept once, test pairs that are also in
   * train removed, held-out rows whose user or item is not in train dropped or kept; no id maps.
   */
  private static DatasetManifest importLightGcn(SparkSession spark, Options o, Path dir)
      throws IOException {
    Path trainFile = o.input().resolve(LightGcnImport.TRAIN_FILE);
    Path testFile = o.input().resolve(LightGcnImport.TEST_FILE);
    for (Path f : List.of(trainFile, testFile)) {
      if (!Files.isRegularFile(f)) {
        throw new CbnsException(
            f
                + ": not found; a LightGCN directory holds "
                + LightGcnImport.TRAIN_FILE
                + " and "
                + LightGcnImport.TEST_FILE);
      }
    }
    List<Dataset<Row>> cached = new ArrayList<>();
    try {
      // one row per non-blank line: its tokens and its split (a byte-order mark is not a token)
      Dataset<Row> lines =
          lightGcnLines(spark, trainFile, DatasetAssembler.TRAIN)
              .unionByName(lightGcnLines(spark, testFile, DatasetAssembler.TEST));
      lines = cache(cached, lines);
      Map<Byte, Long> lineCounts = countByCode(lines);
      for (Path f : List.of(trainFile, testFile)) {
        byte code = f == trainFile ? DatasetAssembler.TRAIN : DatasetAssembler.TEST;
        if (lineCounts.getOrDefault(code, 0L) == 0) {
          throw new CbnsException(
              f + ": empty file; expected lines 'user item item ...', separated by spaces");
        }
      }
      // every token a non-negative id as the single-machine importer parses one: digits (leading
      // zeros allowed) of a value up to ImportSupport's largest id, 2^31 - 2
      Column bad =
          expr(
              "exists(tokens, x -> NOT (x RLIKE '^[0-9]+$') OR try_cast(x AS BIGINT) IS NULL"
                  + " OR try_cast(x AS BIGINT) > "
                  + MAX_ID
                  + ")");
      List<Row> badLines = lines.filter(bad).limit(1).collectAsList();
      if (!badLines.isEmpty()) {
        Row r = badLines.get(0);
        throw new CbnsException(
            (r.getByte(1) == DatasetAssembler.TRAIN ? trainFile : testFile)
                + ": the line '"
                + String.join(" ", r.getList(0))
                + "' holds a token that is not a non-negative integer id; lines are 'user item"
                + " item ...', separated by spaces");
      }
      Row max =
          lines
              .selectExpr(
                  "max(cast(tokens[0] AS INT)) AS u",
                  "max(array_max(transform(slice(tokens, 2, size(tokens)), x -> cast(x AS INT))))"
                      + " AS i")
              .first();
      Dataset<Row> pairs =
          lines.selectExpr(
              "cast(tokens[0] AS INT) AS uid",
              "explode(transform(slice(tokens, 2, size(tokens)), x -> cast(x AS INT))) AS iid",
              "code");
      pairs = cache(cached, pairs);
      Map<Byte, Long> rowCounts = countByCode(pairs);
      long rows = rowCounts.values().stream().mapToLong(Long::longValue).sum();
      int maxUser = max.getInt(0);
      int maxItem = max.isNullAt(1) ? -1 : max.getInt(1);
      LightGcnImport.checkIdSpaces(maxUser, maxItem, rows, o.input().toString());
      if (rowCounts.getOrDefault(DatasetAssembler.TRAIN, 0L) == 0) {
        throw new CbnsException(
            trainFile + ": no interactions (lines are 'user item item ...', separated by spaces)");
      }

      Dataset<Row> distinct = cache(cached, pairs.distinct());
      Dataset<Row> train = distinct.filter(col("code").equalTo(lit(DatasetAssembler.TRAIN)));
      Dataset<Row> test = distinct.filter(col("code").equalTo(lit(DatasetAssembler.TEST)));
      long duplicates = rows - distinct.count();
      Dataset<Row> freshTest =
          test.join(train.select("uid", "iid"), new String[] {"uid", "iid"}, "left_anti");
      long testRows = test.count();
      long overlap = testRows - freshTest.count();
      if (train.isEmpty()) {
        throw new CbnsException(o.input() + ": no train interactions (after deduplication)");
      }
      // validation carved from the whole train (after the overlap with test is removed, as cbns
      // import does); held-out rows are then checked against what is left in train
      Dataset<Row> trainLeft = train;
      Dataset<Row> heldOut = freshTest;
      if (o.validationRatio() > 0) {
        Dataset<Row> carved = cache(cached, carveValidation(train, o));
        trainLeft = carved.filter(col("code").equalTo(lit(DatasetAssembler.TRAIN)));
        heldOut =
            carved.filter(col("code").notEqual(lit(DatasetAssembler.TRAIN))).unionByName(freshTest);
      }
      Dataset<Row> seenHeldOut = seenInTrain(heldOut, trainLeft);
      long unseen = heldOut.count() - seenHeldOut.count();
      Dataset<Row> kept = trainLeft.unionByName(o.dropUnseen() ? seenHeldOut : heldOut);
      checkTestLeft(kept, o, o.dropUnseen() ? unseen : 0);
      kept = cache(cached, kept);
      Map<String, Long> stats =
          stats(
              lineCounts.values().stream().mapToLong(Long::longValue).sum(),
              0L,
              duplicates,
              overlap,
              o.dropUnseen() ? unseen : 0L,
              o.dropUnseen() ? 0L : unseen,
              0L,
              0L);
      return writeDataset(
          dir,
          o,
          kept,
          maxUser + 1,
          maxItem + 1,
          null,
          null,
          new BuildInfo(
              "spark-" + LIGHTGCN,
              options(o),
              o.seed(),
              DatasetImporter.sourceFiles(List.of(trainFile, testFile)),
              stats));
    } finally {
      cached.forEach(Dataset::unpersist);
    }
  }

  /**
   * Writes the splits of {@code rows} (a {@code code} per row) as shards sorted by (user, item),
   * the item counts and the id maps (when given), then the manifest, last: what both import paths
   * end with. The fingerprint is computed by reading the shards back one at a time.
   */
  private static DatasetManifest writeDataset(
      Path dir,
      Options o,
      Dataset<Row> rows,
      int numUsers,
      int numItems,
      String[] userMap,
      String[] itemMap,
      BuildInfo build)
      throws IOException {
    String dirName = dir.toString();
    FileEntry train = writeSplit(rows, DatasetAssembler.TRAIN, "train", o, dirName);
    FileEntry validation =
        o.validationRatio() > 0
            ? writeSplit(rows, DatasetAssembler.VALIDATION, "validation", o, dirName)
            : null;
    FileEntry test = writeSplit(rows, DatasetAssembler.TEST, "test", o, dirName);
    long[] counts = new long[numItems];
    for (Row r :
        rows.filter(col("code").equalTo(lit(DatasetAssembler.TRAIN)))
            .groupBy("iid")
            .count()
            .collectAsList()) {
      counts[r.getInt(0)] = r.getLong(1);
    }
    try (BufferAllocator allocator = new RootAllocator()) {
      ArrowColumns.writeItemCounts(dir.resolve(DatasetLayout.ITEM_COUNTS), counts, allocator);
      if (userMap != null) {
        ArrowColumns.writeIdMap(dir.resolve(DatasetLayout.USER_IDS), userMap, allocator);
        ArrowColumns.writeIdMap(dir.resolve(DatasetLayout.ITEM_IDS), itemMap, allocator);
      }
    }
    boolean ts = o.timestamps();
    boolean ws = o.weights();
    String fingerprint =
        DatasetContent.fingerprint(
            numUsers,
            numItems,
            new DatasetContent.SplitShards[] {
              shards(dir, train, ts, ws),
              validation == null ? null : shards(dir, validation, ts, ws),
              shards(dir, test, ts, ws)
            },
            ts,
            ws,
            userMap,
            itemMap,
            null,
            null);
    DatasetManifest manifest =
        new DatasetManifest(
            DatasetLayout.SCHEMA_VERSION,
            o.name(),
            numUsers,
            numItems,
            train,
            validation,
            test,
            new FileEntry(DatasetLayout.ITEM_COUNTS, numItems),
            userMap == null ? null : new FileEntry(DatasetLayout.USER_IDS, numUsers),
            itemMap == null ? null : new FileEntry(DatasetLayout.ITEM_IDS, numItems),
            ts,
            ws,
            build,
            fingerprint,
            null,
            null);
    // the hidden files of attempts that died before their rename are not part of the dataset
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith(".")).toList()) {
        Files.deleteIfExists(f);
      }
    }
    DatasetWriter.writeManifest(dir, manifest);
    return manifest;
  }

  /** The non-blank lines of a LightGCN file as {@code tokens} (strings) and {@code code}. */
  private static Dataset<Row> lightGcnLines(SparkSession spark, Path file, byte code) {
    return spark
        .read()
        .text(file.toAbsolutePath().toString())
        .select(
            filter(
                    split(regexp_replace(col("value"), "^\uFEFF", ""), "[ \t]+"),
                    x -> x.notEqual(lit("")))
                .as("tokens"),
            lit(code).as("code"))
        .filter("size(tokens) > 0");
  }

  /** The counters of an import, under the names and in the order {@code cbns import} writes. */
  private static Map<String, Long> stats(
      long lines,
      long belowThreshold,
      long duplicates,
      long overlap,
      long unseenDropped,
      long unseenKept,
      long compactedUsers,
      long compactedItems) {
    Map<String, Long> stats = new LinkedHashMap<>();
    stats.put("lines", lines);
    stats.put("below_threshold", belowThreshold);
    stats.put("duplicates", duplicates);
    stats.put("train_test_overlap", overlap);
    stats.put("unseen_dropped", unseenDropped);
    stats.put("unseen_kept", unseenKept);
    stats.put("compacted_users", compactedUsers);
    stats.put("compacted_items", compactedItems);
    return stats;
  }

  /**
   * The user, item and optional timestamp ({@code ts}), rating ({@code r}) and weight ({@code w})
   * columns, with weights also the row's place in the input ({@link #FILE}, {@link #BLOCK}, {@link
   * #POSITION}): taken right at the read, where a task's rows are still in file order.
   */
  private static Column[] selectedColumns(Dataset<Row> raw, Options o) {
    String[] columns = raw.columns();
    Column user = trimmed(column(raw, columns, o.userColumn(), "--user-column"));
    Column item = trimmed(column(raw, columns, o.itemColumn(), "--item-column"));
    List<Column> selected = new ArrayList<>(List.of(user.as("u"), item.as("i")));
    if (o.timestamps()) {
      selected.add(
          trimmed(column(raw, columns, o.timestampColumn(), "--timestamp-column")).as("ts"));
    }
    if (o.threshold()) {
      selected.add(trimmed(column(raw, columns, o.ratingColumn(), "--rating-column")).as("r"));
    }
    if (o.weights()) {
      selected.add(trimmed(column(raw, columns, o.weightColumn(), "--weight-column")).as("w"));
      Column metadata = raw.col("_metadata");
      selected.add(metadata.getField("file_path").as(FILE));
      selected.add(metadata.getField("file_block_start").as(BLOCK));
      selected.add(monotonically_increasing_id().as(POSITION));
    }
    return selected.toArray(new Column[0]);
  }

  /**
   * The per-user split of deduplicated pairs ({@code hash-ratio}, {@code latest-ratio} or {@code
   * leave-last-out}, then validation), on partitions of whole users sorted by (user, item): a
   * {@code code} per row.
   */
  private static Dataset<Row> perUserSplit(Dataset<Row> pairs, Options o) {
    return perUser(pairs, o, o.split(), false);
  }

  /**
   * A given train's pairs with validation carved out ({@code --validation-split}) as {@code cbns
   * import} carves a test input's train: {@code code} {@link DatasetAssembler#VALIDATION} or {@link
   * DatasetAssembler#TRAIN}; the pairs unchanged without a validation ratio.
   */
  private static Dataset<Row> carveValidation(Dataset<Row> trainPairs, Options o) {
    return o.validationRatio() > 0 ? perUser(trainPairs, o, o.validationSplit(), true) : trainPairs;
  }

  /**
   * Codes for the rows of {@code pairs} on partitions of whole users sorted by (user, item): test
   * held out with {@code method} and the test ratio, then validation carved from the rest ({@link
   * DatasetAssembler#splitCodes}), or with {@code validationOnly} validation alone ({@link
   * DatasetAssembler#validationCodes}).
   */
  private static Dataset<Row> perUser(
      Dataset<Row> pairs, Options o, SplitMethod method, boolean validationOnly) {
    double testRatio = o.testRatio();
    Dataset<Row> values = pairs.select(columns(o.splitColumns()));
    StructType coded = values.schema().add("code", DataTypes.ByteType, false);
    double validationRatio = o.validationRatio();
    long seed = o.seed();
    boolean ts = o.timestamps();
    boolean ws = o.weights();
    return values
        .repartition(o.partitions(), col("uid"))
        .sortWithinPartitions("uid", "iid")
        .mapPartitions(
            (MapPartitionsFunction<Row, Row>)
                it ->
                    splitPartition(
                        it, ts, ws, method, validationOnly, testRatio, validationRatio, seed),
            Encoders.row(coded));
  }

  /** The held-out rows whose user and item are both in train. */
  private static Dataset<Row> seenInTrain(Dataset<Row> heldOut, Dataset<Row> train) {
    return heldOut
        .join(train.select("uid").distinct(), "uid", "left_semi")
        .join(train.select("iid").distinct(), "iid", "left_semi");
  }

  /** Fails as the single-machine importers do when no test row is left. */
  private static void checkTestLeft(Dataset<Row> kept, Options o, long unseenDropped) {
    if (kept.filter(col("code").equalTo(lit(DatasetAssembler.TEST))).isEmpty()) {
      throw new CbnsException(
          o.input()
              + ": no test interactions left"
              + (unseenDropped > 0
                  ? " (unseen-test: drop removed "
                      + unseenDropped
                      + " whose user or item is not in train)"
                  : "")
              + "; check the input or the split options");
    }
  }

  /** How many rows each split code has. */
  private static Map<Byte, Long> countByCode(Dataset<Row> rows) {
    Map<Byte, Long> out = new LinkedHashMap<>();
    for (Row r : rows.groupBy("code").count().collectAsList()) {
      out.put(r.getByte(0), r.getLong(1));
    }
    return out;
  }

  private static Dataset<Row> cache(List<Dataset<Row>> cached, Dataset<Row> d) {
    Dataset<Row> persisted = d.persist();
    cached.add(persisted);
    return persisted;
  }

  private static Dataset<Row> read(SparkSession spark, Options o, Path input) {
    String path = input.toAbsolutePath().toString();
    if (o.format().equals("parquet")) {
      return spark.read().parquet(path);
    }
    return spark
        .read()
        .option("sep", separator(o.separator()))
        // RFC 4180 quoting, as the single-machine importer reads it: a quote inside a quoted
        // field is doubled (Spark's default escape is a backslash)
        .option("escape", "\"")
        .option("header", o.header())
        .option("inferSchema", false)
        .option("mode", "FAILFAST")
        .option("ignoreLeadingWhiteSpace", true)
        .option("ignoreTrailingWhiteSpace", true)
        .csv(path);
  }

  /** The separator the single-machine importer's names stand for; {@code whitespace} is refused. */
  static String separator(String value) {
    if (value.isEmpty()) {
      throw new CbnsException("--separator must not be empty");
    }
    String literal = DelimitedImport.Separator.named(value).literal();
    if (literal == null) {
      throw new CbnsException(
          "--separator whitespace (runs of spaces and tabs) is not supported on Spark; use"
              + " cbns import, or a single-character separator");
    }
    return literal;
  }

  /**
   * A value as a string without leading and trailing characters up to U+0020, as {@link
   * String#trim} (which the single-machine importer applies) removes them; Spark's {@code trim}
   * removes spaces only.
   */
  private static Column trimmed(Column c) {
    return regexp_replace(c.cast("string"), "^[\\x00-\\x20]+|[\\x00-\\x20]+$", "");
  }

  /**
   * A column by 0-based position when the value is a number (as the single-machine importer reads
   * it, even when a header names a column "1"), else by name, exactly or ignoring case.
   */
  private static Column column(Dataset<Row> raw, String[] columns, String spec, String option) {
    if (spec.matches("\\d+")) {
      int at = Integer.parseInt(spec);
      if (at < columns.length) {
        return raw.col("`" + columns[at] + "`");
      }
    } else {
      for (String name : columns) {
        if (name.equals(spec)) {
          return raw.col("`" + name + "`");
        }
      }
      for (String name : columns) {
        if (name.equalsIgnoreCase(spec)) {
          return raw.col("`" + name + "`");
        }
      }
    }
    throw new CbnsException(
        option
            + " "
            + spec
            + ": no such column; the input has "
            + String.join(", ", columns)
            + " (positions 0.."
            + (columns.length - 1)
            + ")");
  }

  /** Fails on the first row without a user or an item id, or with a non-integer timestamp. */
  private static void checkRows(Dataset<Row> rows, Options o) {
    Column bad =
        col("u").isNull().or(col("u").equalTo("")).or(col("i").isNull()).or(col("i").equalTo(""));
    if (o.timestamps()) {
      // an integer as Long.parseLong reads it (a sign, digits, within 64 bits)
      bad =
          bad.or(col("ts").isNull())
              .or(col("ts").rlike("^[+-]?[0-9]+$").unary_$bang())
              .or(expr("try_cast(ts AS BIGINT)").isNull());
    }
    BadRow first = firstBad(rows, bad, o);
    if (first != null) {
      throw new CbnsException(
          first
              + " has no user or item id, or a timestamp that is not an integer; check"
              + " --user-column, --item-column, --timestamp-column, --separator and --header");
    }
  }

  /** A column of numbers as cbns import reads one: a double, null when the text is not one. */
  private static Column number(String column) {
    return expr("try_cast(" + column + " AS DOUBLE)");
  }

  /** Fails on the first row whose {@code column} is not a finite number, as cbns import does. */
  private static void checkNumbers(
      Dataset<Row> rows, String column, String what, String option, Options o) {
    Column value = number(column);
    BadRow first =
        firstBad(rows, value.isNull().or(abs(value).leq(Double.MAX_VALUE).unary_$bang()), o);
    if (first != null) {
      throw new CbnsException(
          first
              + ": expected a finite number as "
              + what
              + ", found '"
              + first.row().getAs(column)
              + "'; check "
              + option
              + " and --separator");
    }
  }

  /**
   * With {@code --id-mapping identity}, fails on the first row whose user or item id is not a
   * non-negative int up to {@link #MAX_ID}, in the words of cbns import's check of such an id.
   */
  private static void checkIdentityIds(Dataset<Row> rows, Options o) {
    BadRow first = firstBad(rows, notAnId(col("u")).or(notAnId(col("i"))), o);
    if (first != null) {
      String problem = ImportSupport.idProblem(first.row().getAs("u"), "user id");
      if (problem == null) {
        problem = ImportSupport.idProblem(first.row().getAs("i"), "item id");
      }
      throw new CbnsException(
          first
              + ": "
              + problem
              + "; --id-mapping identity uses ids as given, leave it out to number any ids"
              + " densely");
    }
  }

  /**
   * Whether a string is not an id as cbns import parses one with ids as given: digits (leading
   * zeros allowed) of a value up to {@link #MAX_ID}. {@link ImportSupport#idProblem} says why.
   */
  private static Column notAnId(Column s) {
    Column value = s.try_cast(DataTypes.LongType);
    return s.rlike("^[0-9]+$").unary_$bang().or(value.isNull()).or(value.gt(MAX_ID));
  }

  /** The id spaces of ids used as given, refused as cbns import refuses ids far too sparse. */
  private static void checkIdSpaces(long maxUser, long maxItem, long rows, Options o) {
    String where = o.testInput() == null ? o.input().toString() : o.input() + " + " + o.testInput();
    try {
      LightGcnImport.checkIdSpaces(maxUser, maxItem, rows, where);
    } catch (CbnsException e) {
      throw new CbnsException(e.getMessage() + " Or leave out --id-mapping identity.", e);
    }
  }

  /**
   * A bad row and the input it came from ({@code --test-input} for a row of the test input).
   *
   * @param shown how many of the row's first values to print
   */
  private record BadRow(Path input, boolean test, Row row, int shown) {
    @Override
    public String toString() {
      List<String> values = new ArrayList<>();
      for (int k = 0; k < shown; k++) {
        values.add(String.valueOf(row.get(k)));
      }
      return input
          + (test ? " (--test-input)" : "")
          + ": the row ["
          + String.join(",", values)
          + "]";
    }
  }

  /** The first row matching {@code bad} (its columns read from the input only), or null. */
  private static BadRow firstBad(Dataset<Row> rows, Column bad, Options o) {
    List<String> present = List.of(rows.columns());
    List<Column> selected = new ArrayList<>();
    for (String c : List.of("u", "i", "ts", "r", "w")) {
      if (present.contains(c)) {
        selected.add(col(c));
      }
    }
    int shown = selected.size();
    boolean coded = present.contains("code");
    if (coded) {
      selected.add(col("code"));
    }
    List<Row> first =
        rows.filter(bad).select(selected.toArray(new Column[0])).limit(1).collectAsList();
    if (first.isEmpty()) {
      return null;
    }
    Row r = first.get(0);
    boolean test = coded && r.getByte(shown) == DatasetAssembler.TEST;
    return new BadRow(test ? o.testInput() : o.input(), test, r, shown);
  }

  /**
   * Without {@code --header}, fails when the only rows whose ids are not integers are at most one
   * per input file while every other row's are: each part file's first line names its columns. The
   * single-machine importer's check of the first line, for files Spark reads in parallel.
   */
  private static void checkHeader(Dataset<Row> rows, Options o, int files) {
    if (!o.format().equals("csv") || o.header()) {
      return;
    }
    Column words =
        col("u").rlike("^[+-]?[0-9]+$").and(col("i").rlike("^[+-]?[0-9]+$")).unary_$bang();
    Row counts = rows.agg(sum(when(words, 1L).otherwise(0L)), count(lit(1))).first();
    long wordRows = counts.isNullAt(0) ? 0 : counts.getLong(0);
    long total = counts.getLong(1);
    if (wordRows > 0 && wordRows <= files && total > wordRows) {
      throw new CbnsException(
          firstBad(rows, words, o)
              + " looks like a header: its ids are words while every other row's are numbers;"
              + " if each part file starts with a line naming the columns, set --header");
    }
  }

  private static Dataset<Row> idFrame(
      SparkSession spark, String[] originals, String name, String id) {
    List<Row> rows = new ArrayList<>(originals.length);
    for (int k = 0; k < originals.length; k++) {
      rows.add(RowFactory.create(originals[k], k));
    }
    StructType schema =
        new StructType()
            .add(name, DataTypes.StringType, false)
            .add(id, DataTypes.IntegerType, false);
    return spark.createDataFrame(rows, schema);
  }

  /** Splits one partition of whole users, sorted by (user, item). */
  private static Iterator<Row> splitPartition(
      Iterator<Row> it,
      boolean ts,
      boolean ws,
      SplitMethod method,
      boolean validationOnly,
      double testRatio,
      double validationRatio,
      long seed) {
    InteractionTable rows = table(it, ts, ws);
    byte[] codes =
        validationOnly
            ? DatasetAssembler.validationCodes(rows, method, validationRatio, seed)
            : DatasetAssembler.splitCodes(rows, method, testRatio, validationRatio, seed);
    List<Row> out = new ArrayList<>(rows.size());
    for (int r = 0; r < rows.size(); r++) {
      List<Object> values = new ArrayList<>(List.of(rows.userIds()[r], rows.itemIds()[r]));
      if (ts) {
        values.add(rows.timestamps()[r]);
      }
      if (ws) {
        values.add(rows.weights()[r]);
      }
      values.add(codes[r]);
      out.add(RowFactory.create(values.toArray()));
    }
    return out.iterator();
  }

  /** A partition's rows {@code (uid, iid[, t][, w])} as a table, in their order. */
  private static InteractionTable table(Iterator<Row> it, boolean ts, boolean ws) {
    List<Row> buffered = new ArrayList<>();
    it.forEachRemaining(buffered::add);
    int n = buffered.size();
    int[] u = new int[n];
    int[] i = new int[n];
    long[] t = ts ? new long[n] : null;
    float[] w = ws ? new float[n] : null;
    for (int r = 0; r < n; r++) {
      Row row = buffered.get(r);
      u[r] = row.getInt(0);
      i[r] = row.getInt(1);
      if (t != null) {
        t[r] = row.getLong(2);
      }
      if (w != null) {
        w[r] = row.getFloat(ts ? 3 : 2);
      }
    }
    return new InteractionTable(u, i, t, w);
  }

  private static Column[] columns(List<String> names) {
    return names.stream().map(c -> col(c)).toArray(Column[]::new);
  }

  /** {@code remap[old]}: the new id of a used id, -1 for an unused one. */
  private static int[] remap(Dataset<Row> rows, String column, int size) {
    boolean[] used = new boolean[size];
    for (Integer id : rows.select(column).distinct().as(Encoders.INT()).collectAsList()) {
      used[id] = true;
    }
    int[] remap = new int[size];
    int next = 0;
    for (int k = 0; k < size; k++) {
      remap[k] = used[k] ? next++ : -1;
    }
    return remap;
  }

  private static int kept(int[] remap) {
    int n = 0;
    for (int id : remap) {
      n += id >= 0 ? 1 : 0;
    }
    return n;
  }

  private static Dataset<Row> renumber(
      SparkSession spark, Dataset<Row> rows, String column, int[] remap) {
    List<Row> pairs = new ArrayList<>();
    for (int k = 0; k < remap.length; k++) {
      if (remap[k] >= 0) {
        pairs.add(RowFactory.create(k, remap[k]));
      }
    }
    StructType schema =
        new StructType()
            .add(column, DataTypes.IntegerType, false)
            .add("new", DataTypes.IntegerType, false);
    return rows.join(broadcast(spark.createDataFrame(pairs, schema)), column)
        .withColumn(column, col("new"))
        .drop("new");
  }

  private static String[] compactNames(String[] names, int[] remap) {
    String[] out = new String[kept(remap)];
    for (int k = 0; k < names.length; k++) {
      if (remap[k] >= 0) {
        out[remap[k]] = names[k];
      }
    }
    return out;
  }

  /** Writes one split as shards, {@code PREFIX-NNNNN.arrow}, one per non-empty sorted partition. */
  private static FileEntry writeSplit(
      Dataset<Row> rows, byte code, String prefix, Options o, String dir) {
    boolean ts = o.timestamps();
    boolean ws = o.weights();
    Dataset<Row> sorted =
        rows.filter(col("code").equalTo(lit(code)))
            .select(columns(o.splitColumns()))
            .repartitionByRange(o.partitions(), col("uid"), col("iid"))
            .sortWithinPartitions("uid", "iid");
    StructType written =
        new StructType()
            .add("partition", DataTypes.IntegerType, false)
            .add("file", DataTypes.StringType, false)
            .add("rows", DataTypes.LongType, false);
    List<Row> shards =
        new ArrayList<>(
            sorted
                .mapPartitions(
                    (MapPartitionsFunction<Row, Row>) it -> writeShard(it, ts, ws, prefix, dir),
                    Encoders.row(written))
                .collectAsList());
    shards.sort(Comparator.comparingInt(r -> r.getInt(0)));
    List<FileEntry> entries = new ArrayList<>();
    for (Row r : shards) {
      entries.add(new FileEntry(r.getString(1), r.getLong(2)));
    }
    if (entries.isEmpty()) {
      // a split without rows (a tiny validation ratio) still gets a file
      String name = String.format(Locale.ROOT, "%s-%05d.arrow", prefix, 0);
      try (BufferAllocator allocator = new RootAllocator()) {
        ArrowColumns.writeInteractions(
            Path.of(dir, name),
            new InteractionTable(
                new int[0], new int[0], ts ? new long[0] : null, ws ? new float[0] : null),
            allocator);
      }
      entries.add(new FileEntry(name, 0));
    }
    return FileEntry.sharded(entries);
  }

  private static Iterator<Row> writeShard(
      Iterator<Row> it, boolean ts, boolean ws, String prefix, String dir) throws IOException {
    InteractionTable rows = table(it, ts, ws);
    if (rows.size() == 0) {
      return List.<Row>of().iterator();
    }
    int partition = TaskContext.getPartitionId();
    String name = String.format(Locale.ROOT, "%s-%05d.arrow", prefix, partition);
    // written under a name of this attempt, then renamed over whatever an earlier (failed or
    // speculative) attempt of the same partition left: a retried task does not find the file taken
    Path written = Path.of(dir, "." + name + ".attempt-" + TaskContext.get().taskAttemptId());
    try (BufferAllocator allocator = new RootAllocator()) {
      ArrowColumns.writeInteractions(written, rows, allocator);
    }
    Files.move(
        written,
        Path.of(dir, name),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    return List.of(RowFactory.create(partition, name, (long) rows.size())).iterator();
  }

  /** A split's shards on disk, read one at a time for the fingerprint. */
  private static DatasetContent.SplitShards shards(
      Path dir, FileEntry entry, boolean ts, boolean ws) {
    return new DatasetContent.SplitShards(
        entry.rows(),
        visitor -> {
          try (BufferAllocator allocator = new RootAllocator()) {
            for (FileEntry shard : entry.files()) {
              visitor.accept(
                  ArrowColumns.readInteractions(
                      dir.resolve(shard.file()), shard.rows(), ts, ws, allocator));
            }
          }
        });
  }

  private static Map<String, Object> options(Options o) {
    Map<String, Object> m = new TreeMap<>();
    m.put("input", o.input().toAbsolutePath().toString());
    if (o.testInput() != null) {
      m.put("test-input", o.testInput().toAbsolutePath().toString());
    }
    m.put("format", o.format());
    if (o.validationSplit() != null) {
      m.put("validation-split", o.validationSplit().optionValue());
    }
    if (o.format().equals(LIGHTGCN)) {
      if (o.validationRatio() > 0) {
        m.put("validation-ratio", o.validationRatio());
      }
      m.put("unseen-test", o.dropUnseen() ? "drop" : "keep");
      return m;
    }
    if (o.format().equals("csv")) {
      m.put("separator", o.separator());
      m.put("header", o.header());
    }
    m.put("user-column", o.userColumn());
    m.put("item-column", o.itemColumn());
    if (o.timestamps()) {
      m.put("timestamp-column", o.timestampColumn());
    }
    if (o.threshold()) {
      m.put("rating-column", o.ratingColumn());
      m.put("rating-threshold", o.ratingThreshold());
    }
    if (o.weights()) {
      m.put("weight-column", o.weightColumn());
    }
    m.put("id-mapping", o.idMapping().optionValue());
    if (o.testInput() == null) {
      m.put("split", o.split().optionValue());
      if (o.split().byRatio()) {
        m.put("test-ratio", o.testRatio());
      }
    }
    m.put("validation-ratio", o.validationRatio());
    m.put("unseen-test", o.dropUnseen() ? "drop" : "keep");
    return m;
  }

  /** The input files Spark read, with size and SHA-256. */
  private static List<SourceFile> sourceFiles(List<Dataset<Row>> inputs) throws IOException {
    List<SourceFile> out = new ArrayList<>();
    List<String> files = new ArrayList<>();
    for (Dataset<Row> raw : inputs) {
      String[] names = raw.inputFiles();
      Arrays.sort(names);
      files.addAll(List.of(names));
    }
    for (String f : files) {
      java.net.URI uri = java.net.URI.create(f);
      if ("file".equals(uri.getScheme())) {
        Path p = Path.of(uri);
        out.add(new SourceFile(p.toString(), Files.size(p), Sha256.ofFile(p)));
      } else {
        // a distributed file system: recorded by name; its bytes are not read on the driver
        out.add(new SourceFile(f, 0, "not computed"));
      }
    }
    return out;
  }
}
