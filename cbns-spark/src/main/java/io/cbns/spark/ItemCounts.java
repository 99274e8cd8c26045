package io.cbns.spark;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.data.arrow.format.DatasetLayout;
import io.cbns.data.arrow.format.DatasetManifest;
import io.cbns.data.arrow.format.DatasetReader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * The number of train interactions of every item, counted on Spark: each task reads record batches
 * of the dataset's train file or shards (Spark has no Arrow IPC file source, so tasks open the file
 * with Arrow's own reader) and emits {@code (item, count)} for the items it saw; Spark adds them up
 * by item. Equal to the counts the single-machine {@code counts} frequency estimator starts from
 * ({@code item_counts.arrow}, {@code DatasetContent.itemTrainCounts()}).
 *
 * <p>The driver holds only the result ({@code numItems} longs), never the interactions.
 */
public final class ItemCounts {
  private ItemCounts() {}

  /**
   * Counts the train interactions of every item of the dataset in {@code datasetDir}.
   *
   * @return {@code numItems} counts, indexed by item id
   * @throws CbnsException when the dataset cannot be read or an item id is out of range
   */
  public static long[] count(JavaSparkContext spark, Path datasetDir) {
    requireNonNull(spark, "spark is null");
    DatasetManifest manifest = DatasetReader.readManifest(datasetDir);
    int numItems = manifest.numItems();
    // one task per record batch of every train file (the file, or each shard)
    List<Tuple2<String, Integer>> tasks = new ArrayList<>();
    for (DatasetManifest.FileEntry f : manifest.train().files()) {
      Path train = datasetDir.resolve(f.file()).toAbsolutePath();
      int batches = recordBatches(train);
      for (int b = 0; b < batches; b++) {
        tasks.add(new Tuple2<>(train.toString(), b));
      }
    }
    List<Tuple2<Integer, Long>> counts =
        spark
            .parallelize(tasks, Math.max(1, tasks.size()))
            .mapPartitionsToPair(part -> countBatches(numItems, part))
            .reduceByKey(Long::sum)
            .collect();
    long[] out = new long[numItems];
    for (Tuple2<Integer, Long> c : counts) {
      out[c._1()] = c._2();
    }
    return out;
  }

  private static int recordBatches(Path file) {
    try (BufferAllocator allocator = new RootAllocator();
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
      return reader.getRecordBlocks().size();
    } catch (IOException e) {
      throw new CbnsException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The {@code (item, count)} pairs of the record batches {@code (file, index)} of a task. */
  private static Iterator<Tuple2<Integer, Long>> countBatches(
      int numItems, Iterator<Tuple2<String, Integer>> batches) throws IOException {
    long[] counts = new long[numItems];
    while (batches.hasNext()) {
      Tuple2<String, Integer> batch = batches.next();
      countBatch(batch._1(), batch._2(), numItems, counts);
    }
    List<Tuple2<Integer, Long>> out = new ArrayList<>();
    for (int i = 0; i < numItems; i++) {
      if (counts[i] > 0) {
        out.add(new Tuple2<>(i, counts[i]));
      }
    }
    return out.iterator();
  }

  private static void countBatch(String file, int index, int numItems, long[] counts)
      throws IOException {
    try (BufferAllocator allocator = new RootAllocator();
        FileChannel channel = FileChannel.open(Path.of(file), StandardOpenOption.READ);
        ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
      reader.loadRecordBatch(reader.getRecordBlocks().get(index));
      IntVector items = (IntVector) reader.getVectorSchemaRoot().getVector(DatasetLayout.ITEM_ID);
      for (int r = 0; r < items.getValueCount(); r++) {
        int item = items.get(r);
        if (item < 0 || item >= numItems) {
          throw new CbnsException(
              file + ": item id " + item + " outside [0, " + numItems + ") of the manifest");
        }
        counts[item]++;
      }
    }
  }
}
