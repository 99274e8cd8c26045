package io.cbns.spark;

import static java.util.Objects.requireNonNull;

import io.cbns.serving.onnx.OnnxTowers;
import io.cbns.serving.onnx.TowerEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Every item's (and user's) embedding through a run's exported ONNX towers on Spark, written as
 * Parquet: {@code OUT/items} with the columns {@code item_id} (int, the dense id) and {@code
 * embedding} (array of float), and, when asked, {@code OUT/users} with {@code user_id} and {@code
 * embedding}. The vectors of {@code cbns embed}, computed by ONNX Runtime in the executors with the
 * serving module's session code, one set of sessions per executor JVM ({@link ExecutorTowers}).
 *
 * <p>Tasks encode ranges of ids; the run directory, its dataset and the ONNX files must be readable
 * at the same paths by every executor (a shared file system). The output appears complete or not at
 * all ({@link ParquetOutput}).
 */
public final class SparkEmbeddings {
  /** Ids encoded by one task's ONNX Runtime call. */
  public static final int DEFAULT_CHUNK = 8192;

  private SparkEmbeddings() {}

  /** What was written: rows per part. */
  public record Written(long items, long users) {}

  /**
   * Writes the embeddings of {@code runDir}'s towers in {@code onnxDir} to {@code out}.
   *
   * @param users also the users
   * @param chunk ids per range, at least 1
   */
  public static Written embed(
      SparkSession spark, Path runDir, Path onnxDir, boolean users, int chunk, Path out) {
    requireNonNull(spark, "spark is null");
    if (chunk < 1) {
      throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
    }
    ParquetOutput.requireAbsent(out);
    // opened on the driver first: a bad ONNX file or dataset fails here, with the serving
    // module's message, before any task runs (in local mode the tasks reuse these sessions)
    OnnxTowers towers = ExecutorTowers.of(runDir, onnxDir);
    int numItems = towers.items().count();
    int numUsers = towers.users().count();
    // absolute, so that every executor resolves them alike
    String run = runDir.toAbsolutePath().toString();
    String onnx = onnxDir.toAbsolutePath().toString();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ParquetOutput.write(
        out,
        tmp -> {
          write(spark, sc, run, onnx, false, numItems, chunk, tmp.resolve("items"));
          if (users) {
            write(spark, sc, run, onnx, true, numUsers, chunk, tmp.resolve("users"));
          }
        });
    return new Written(numItems, users ? numUsers : 0);
  }

  private static void write(
      SparkSession spark,
      JavaSparkContext sc,
      String runDir,
      String onnxDir,
      boolean ofUsers,
      int count,
      int chunk,
      Path dir) {
    List<int[]> ranges = new ArrayList<>();
    for (int start = 0; start < count; start += chunk) {
      ranges.add(new int[] {start, Math.min(count, start + chunk)});
    }
    if (ranges.isEmpty()) {
      ranges.add(new int[] {0, 0});
    }
    JavaRDD<Row> rows =
        sc.parallelize(ranges, SparkEvaluation.slices(sc, ranges.size()))
            .mapPartitions(part -> encode(part, runDir, onnxDir, ofUsers));
    StructType schema =
        new StructType()
            .add(ofUsers ? "user_id" : "item_id", DataTypes.IntegerType, false)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    spark.createDataFrame(rows, schema).write().parquet(dir.toString());
  }

  /** The rows of a partition's ranges, encoded one range at a time as Spark consumes them. */
  private static Iterator<Row> encode(
      Iterator<int[]> ranges, String runDir, String onnxDir, boolean ofUsers) {
    OnnxTowers towers = ExecutorTowers.of(Path.of(runDir), Path.of(onnxDir));
    TowerEncoder encoder = ofUsers ? towers.users() : towers.items();
    Iterable<int[]> partition = () -> ranges;
    return StreamSupport.stream(partition.spliterator(), false)
        .flatMap(r -> rows(encoder, r[0], r[1]).stream())
        .iterator();
  }

  private static List<Row> rows(TowerEncoder encoder, int from, int to) {
    List<Row> out = new ArrayList<>();
    if (to <= from) {
      return out;
    }
    long[] ids = new long[to - from];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = from + i;
    }
    int d = encoder.dimension();
    float[] vectors = encoder.encode(ids);
    for (int i = 0; i < ids.length; i++) {
      Float[] row = new Float[d];
      for (int c = 0; c < d; c++) {
        row[c] = vectors[i * d + c];
      }
      out.add(RowFactory.create(from + i, row));
    }
    return out;
  }
}
