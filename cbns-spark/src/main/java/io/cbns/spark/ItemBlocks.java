package io.cbns.spark;

import io.cbns.core.eval.RankingAccumulator;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.spark.SparkEvaluation.TopItems;
import io.cbns.spark.SparkEvaluation.UserBlock;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * The evaluation of {@link SparkEvaluation} for item tables too large to broadcast: the items are
 * cut into blocks, every (user block, item block) pair ranks its users against its items, and the
 * partial top-K lists of each user block are merged. Each task builds one {@link ItemScorer} per
 * item block it meets and closes them when its partition is done.
 */
final class ItemBlocks {
  private ItemBlocks() {}

  /** Rows {@code first .. first + n - 1} of the item table, row-major. */
  record ItemBlock(int first, float[] rows) implements Serializable {}

  /** A user block's ranking so far: the block (for its held-out items) and its top K. */
  record Ranked(UserBlock block, TopItems top) implements Serializable {}

  static RankingMetrics evaluate(
      JavaSparkContext spark,
      int d,
      float[] items,
      int numItems,
      List<UserBlock> userBlocks,
      int blockItems,
      int k,
      List<Integer> ks) {
    List<ItemBlock> itemBlocks = new ArrayList<>();
    for (int first = 0; first < numItems; first += blockItems) {
      int n = Math.min(blockItems, numItems - first);
      itemBlocks.add(new ItemBlock(first, Arrays.copyOfRange(items, first * d, (first + n) * d)));
    }
    List<Tuple2<Integer, UserBlock>> indexed = new ArrayList<>();
    for (int i = 0; i < userBlocks.size(); i++) {
      indexed.add(new Tuple2<>(i, userBlocks.get(i)));
    }
    JavaPairRDD<Integer, UserBlock> users =
        JavaPairRDD.fromJavaRDD(
            spark.parallelize(indexed, SparkEvaluation.slices(spark, indexed.size())));
    JavaRDD<ItemBlock> itemRdd =
        spark.parallelize(itemBlocks, SparkEvaluation.slices(spark, itemBlocks.size()));
    return users
        .cartesian(itemRdd)
        .mapPartitionsToPair(pairs -> rank(pairs, d, k))
        .reduceByKey(
            (a, b) -> new Ranked(a.block(), merge(a.top(), b.top(), a.block().users().length, k)))
        .values()
        .mapPartitions(ranked -> metrics(ranked, k, ks))
        .reduce(RankingAccumulator::merge)
        .result();
  }

  private static Iterator<Tuple2<Integer, Ranked>> rank(
      Iterator<Tuple2<Tuple2<Integer, UserBlock>, ItemBlock>> pairs, int d, int k) {
    Map<Integer, ItemScorer> scorers = new HashMap<>();
    List<Tuple2<Integer, Ranked>> out = new ArrayList<>();
    try {
      while (pairs.hasNext()) {
        var p = pairs.next();
        ItemBlock items = p._2();
        int n = items.rows().length / d;
        ItemScorer scorer =
            scorers.computeIfAbsent(
                items.first(), f -> new ItemScorer(items.rows(), n, d, SparkEvaluation.SCORE_ROWS));
        UserBlock block = p._1()._2();
        out.add(
            new Tuple2<>(
                p._1()._1(),
                new Ranked(block, SparkEvaluation.topK(block, scorer, items.first(), k))));
      }
    } finally {
      scorers.values().forEach(ItemScorer::close);
    }
    return out.iterator();
  }

  /**
   * Merges two partial lists of the same {@code users} ({@code [users, k]} each, best first, {@code
   * -1} past their end) into the best {@code k} of both: score descending, then the lower item id.
   */
  static TopItems merge(TopItems a, TopItems b, int users, int k) {
    long[] items = new long[users * k];
    float[] scores = new float[users * k];
    for (int u = 0; u < users; u++) {
      int i = 0;
      int j = 0;
      for (int r = 0; r < k; r++) {
        boolean hasA = i < k && a.items()[u * k + i] >= 0;
        boolean hasB = j < k && b.items()[u * k + j] >= 0;
        boolean takeA;
        if (hasA && hasB) {
          float sa = a.scores()[u * k + i];
          float sb = b.scores()[u * k + j];
          takeA = sa > sb || (sa == sb && a.items()[u * k + i] < b.items()[u * k + j]);
        } else {
          takeA = hasA;
        }
        if (!hasA && !hasB) {
          items[u * k + r] = -1;
          scores[u * k + r] = Float.NEGATIVE_INFINITY;
        } else if (takeA) {
          items[u * k + r] = a.items()[u * k + i];
          scores[u * k + r] = a.scores()[u * k + i++];
        } else {
          items[u * k + r] = b.items()[u * k + j];
          scores[u * k + r] = b.scores()[u * k + j++];
        }
      }
    }
    return new TopItems(items, scores);
  }

  private static Iterator<RankingAccumulator> metrics(
      Iterator<Ranked> ranked, int k, List<Integer> ks) {
    RankingAccumulator acc = new RankingAccumulator(ks);
    while (ranked.hasNext()) {
      Ranked r = ranked.next();
      SparkEvaluation.add(acc, r.block(), r.top(), k);
    }
    return List.of(acc).iterator();
  }
}
