package io.cbns.spark;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.CsrMatrix;
import io.cbns.spark.SparkEvaluation.TopItems;
import io.cbns.spark.SparkEvaluation.UserBlock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.TaskCompletionListener;

/**
 * The top K items of every user on Spark, train items excluded, written as Parquet: one row per
 * (user, rank) with the columns of {@link #SCHEMA}. Users are scored in blocks against the
 * broadcast item embeddings with ONNX Runtime, as {@link SparkEvaluation} does (same ranking, same
 * tie-break: the lower item id first).
 *
 * <p>The output directory appears complete or not at all ({@link ParquetOutput}).
 */
public final class SparkRecommendations {
  /**
   * {@code user} and {@code item} are the dataset's original ids (the dense ids as decimal text
   * when the dataset has no id map); {@code rank} counts from 1; {@code score} is the dot product.
   */
  public static final StructType SCHEMA =
      new StructType()
          .add("user", DataTypes.StringType, false)
          .add("rank", DataTypes.IntegerType, false)
          .add("item", DataTypes.StringType, false)
          .add("score", DataTypes.FloatType, false);

  private SparkRecommendations() {}

  /**
   * Writes the recommendations of every user {@code 0 .. numUsers - 1}.
   *
   * @param users row-major {@code [numUsers, d]}
   * @param items row-major {@code [numItems, d]}
   * @param exclude items never recommended to a user (the train interactions); {@code numItems}
   *     columns
   * @param k items per user, at least 1; fewer for a user with fewer items left
   * @param userIds the printed id of each dense user id, or null for the dense ids
   * @param itemIds the printed id of each dense item id, or null for the dense ids
   * @param out the Parquet directory to create; must not exist
   * @return the rows written
   */
  public static long recommend(
      SparkSession spark,
      int dimension,
      float[] users,
      float[] items,
      CsrMatrix exclude,
      int k,
      int blockUsers,
      String[] userIds,
      String[] itemIds,
      Path out) {
    requireNonNull(spark, "spark is null");
    requireNonNull(out, "out is null");
    int numItems = exclude.numColumns();
    if (dimension < 1 || (long) numItems * dimension != items.length) {
      throw new IllegalArgumentException(
          "items must hold numItems (" + numItems + ") rows of dimension " + dimension);
    }
    if (users.length % dimension != 0) {
      throw new IllegalArgumentException("users must hold whole rows of dimension " + dimension);
    }
    int numUsers = users.length / dimension;
    if (k < 1 || blockUsers < 1) {
      throw new IllegalArgumentException(
          "k and blockUsers must be >= 1, got " + k + " and " + blockUsers);
    }
    if (userIds != null && userIds.length != numUsers
        || itemIds != null && itemIds.length != numItems) {
      throw new IllegalArgumentException("the id maps do not match the embeddings' rows");
    }
    ParquetOutput.requireAbsent(out);
    int top = Math.min(k, numItems);
    int[] everyone = IntStream.range(0, numUsers).toArray();
    List<UserBlock> blocks =
        SparkEvaluation.blocks(dimension, users, everyone, exclude, null, blockUsers);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<float[]> broadcastItems = sc.broadcast(items);
    Broadcast<String[]> broadcastItemIds = sc.broadcast(itemIds);
    Broadcast<String[]> broadcastUserIds = sc.broadcast(userIds);
    try {
      var rdd =
          sc.parallelize(blocks, SparkEvaluation.slices(sc, blocks.size()))
              .mapPartitions(
                  part ->
                      rows(
                          part,
                          broadcastItems.value(),
                          numItems,
                          dimension,
                          top,
                          broadcastUserIds.value(),
                          broadcastItemIds.value()));
      ParquetOutput.write(
          out, tmp -> spark.createDataFrame(rdd, SCHEMA).write().parquet(tmp.toString()));
    } finally {
      broadcastItems.destroy();
      broadcastItemIds.destroy();
      broadcastUserIds.destroy();
    }
    // every user gets k rows, or as many items as they have not seen (counted here: an
    // accumulator updated in a transformation may count a retried task twice)
    long rows = 0;
    for (int u = 0; u < numUsers; u++) {
      int seen = u < exclude.numRows() ? exclude.rowLength(u) : 0;
      rows += Math.min(top, numItems - seen);
    }
    return rows;
  }

  /**
   * The rows of a partition's blocks, made one block at a time as Spark consumes them; the
   * partition's scorer is closed when the task ends, however it ends.
   */
  private static Iterator<Row> rows(
      Iterator<UserBlock> blocks,
      float[] items,
      int numItems,
      int d,
      int k,
      String[] userIds,
      String[] itemIds) {
    ItemScorer scorer = new ItemScorer(items, numItems, d, SparkEvaluation.SCORE_ROWS);
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener((TaskCompletionListener) context -> scorer.close());
    }
    Iterable<UserBlock> partition = () -> blocks;
    return StreamSupport.stream(partition.spliterator(), false)
        .flatMap(b -> rowsOf(b, scorer, k, userIds, itemIds).stream())
        .iterator();
  }

  private static List<Row> rowsOf(
      UserBlock b, ItemScorer scorer, int k, String[] userIds, String[] itemIds) {
    TopItems top = SparkEvaluation.topK(b, scorer, k);
    List<Row> out = new ArrayList<>();
    for (int r = 0; r < b.users().length; r++) {
      int user = b.users()[r];
      String userId = userIds == null ? Integer.toString(user) : userIds[user];
      for (int rank = 0; rank < k && top.items()[r * k + rank] >= 0; rank++) {
        int item = (int) top.items()[r * k + rank];
        out.add(
            RowFactory.create(
                userId,
                rank + 1,
                itemIds == null ? Integer.toString(item) : itemIds[item],
                top.scores()[r * k + rank]));
      }
    }
    return out;
  }
}
