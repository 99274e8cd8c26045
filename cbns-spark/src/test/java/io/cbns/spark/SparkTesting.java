package io.cbns.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** Spark in local mode with 2 threads for the tests: bound to the loopback address, no UI. */
final class SparkTesting {
  private SparkTesting() {}

  static SparkConf conf() {
    return new SparkConf()
        .setMaster("local[2]")
        .setAppName("cbns-test")
        .set("spark.ui.enabled", "false")
        .set("spark.driver.host", "127.0.0.1")
        // small test data: a few shuffle partitions instead of Spark's 200
        .set("spark.sql.shuffle.partitions", "4");
  }

  static JavaSparkContext context() {
    return new JavaSparkContext(conf());
  }

  static SparkSession session() {
    return SparkSession.builder().config(conf()).getOrCreate();
  }
}
