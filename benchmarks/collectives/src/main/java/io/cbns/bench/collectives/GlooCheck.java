package io.cbns.bench.collectives;

import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

/**
 * One rank of a c10d process group on Gloo, from Java: ranks meet through a TCPStore that rank 0
 * serves, then run the two collectives a multi-node trainer needs, each checked for exact values
 * and timed.
 *
 * <ul>
 *   <li>all-reduce (sum) of a dense buffer: the gradients of replicated dense parameters;
 *   <li>all-to-all of embedding rows: with tables sharded by rows over the ranks, every rank sends
 *       each other rank the rows that rank's part of the batch looked up in its shard (the
 *       exchange TorchRec makes for sharded embedding tables).
 * </ul>
 *
 * <p>Every element of every result is checked after every repetition (the buffers are refilled
 * before each). Usage: {@code GlooCheck RANK WORLD PORT [DIM]}; start one JVM per rank. Rank 0
 * prints one line per size: the median, min and max seconds over the timed repetitions. A rank
 * that waits more than a minute for the others fails.
 */
public final class GlooCheck {
  private GlooCheck() {}

  public static void main(String[] args) {
    if (args.length < 3) {
      System.err.println("usage: GlooCheck RANK WORLD PORT [DIM]");
      System.exit(2);
    }
    int rank = Integer.parseInt(args[0]);
    int world = Integer.parseInt(args[1]);
    int port = Integer.parseInt(args[2]);
    int dim = args.length > 3 ? Integer.parseInt(args[3]) : 64;

    TCPStoreOptions storeOptions = new TCPStoreOptions();
    storeOptions.port((short) port);
    storeOptions.isServer(rank == 0);
    storeOptions.waitWorkers(false);
    TCPStore store = new TCPStore("127.0.0.1", storeOptions);
    ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(new Milliseconds(60_000));
    options.devices(new GlooDeviceVector(ProcessGroupGloo.createDeviceForHostname("127.0.0.1")));
    ProcessGroupGloo group = new ProcessGroupGloo(store, rank, world, options);
    if (rank == 0) {
      System.out.printf("world %d, Gloo threads per rank %d%n", world, group.getNumThreads());
    }

    for (int n : new int[] {1 << 10, 1 << 16, 1 << 20, 1 << 22, 1 << 24}) {
      FloatPointer buffer = new FloatPointer(n);
      Tensor tensor = torch.from_blob(buffer, n);
      float[] mine = new float[n];
      float[] expected = new float[n];
      for (int i = 0; i < n; i++) {
        // small integers, exact in float: rank r holds (r + 1) + (i mod 1000), the sum over ranks
        // is W (W + 1) / 2 + W (i mod 1000)
        mine[i] = rank + 1 + i % 1000;
        expected[i] = world * (world + 1) / 2f + world * (i % 1000);
      }
      float[] result = new float[n];
      int reps = n >= 1 << 22 ? 6 : 30;
      double[] seconds = new double[reps];
      for (int k = -2; k < reps; k++) {
        buffer.put(mine);
        long start = System.nanoTime();
        await(group.allreduce(new TensorVector(tensor)));
        if (k >= 0) {
          seconds[k] = (System.nanoTime() - start) / 1e9;
        }
        buffer.get(result);
        checkEqual("all-reduce of " + n + " floats", result, expected);
      }
      report(rank, "all-reduce", n * 4L, seconds);
    }

    for (int rows : new int[] {256, 1024, 8192, 65536}) {
      // every rank sends `rows` rows of `dim` floats to every rank (itself included)
      int n = rows * dim * world;
      FloatPointer in = new FloatPointer(n);
      FloatPointer out = new FloatPointer(n);
      // element (to, row, c) of the input: the sending rank, the receiving rank, the row and the
      // column, each recoverable (exact in float for these sizes); block `from` of the output must
      // then hold what rank `from` addressed to this rank, row by row
      float[] send = new float[n];
      float[] expected = new float[n];
      for (int to = 0; to < world; to++) {
        for (int row = 0; row < rows; row++) {
          for (int c = 0; c < dim; c++) {
            int at = (to * rows + row) * dim + c;
            send[at] = value(rank, to, row, c);
            expected[at] = value(to, rank, row, c);
          }
        }
      }
      in.put(send);
      float[] unset = new float[n];
      Arrays.fill(unset, Float.NaN);
      float[] result = new float[n];
      Tensor input = torch.from_blob(in, n);
      Tensor output = torch.from_blob(out, n);
      int reps = rows >= 65536 ? 6 : 30;
      double[] seconds = new double[reps];
      for (int k = -2; k < reps; k++) {
        out.put(unset);
        long start = System.nanoTime();
        await(group.alltoall_base(output, input, new LongVector(), new LongVector()));
        if (k >= 0) {
          seconds[k] = (System.nanoTime() - start) / 1e9;
        }
        out.get(result);
        checkEqual("all-to-all of " + rows + " rows", result, expected);
      }
      report(rank, "all-to-all " + rows + " rows x " + dim + " per rank pair", n * 4L, seconds);
    }
    await(group.barrier());
    System.out.println("rank " + rank + ": all values exact");
  }

  /**
   * A float for element (sender, receiver, row, column): a hash of the four, cut to 24 bits so
   * that it is exact in float. Two positions rarely share a value, so a block sent to the wrong
   * rank, from the wrong rank or with its rows out of order fails the check.
   */
  private static float value(int from, int to, int row, int c) {
    long h = ((from * 1_000_003L + to) * 1_000_033L + row) * 1_000_037L + c;
    h ^= h >>> 29;
    h *= 0xBF58476D1CE4E5B9L;
    h ^= h >>> 32;
    return (float) (h & 0xFFFFFF);
  }

  private static void checkEqual(String what, float[] actual, float[] expected) {
    for (int i = 0; i < expected.length; i++) {
      if (Float.compare(actual[i], expected[i]) != 0) {
        throw new AssertionError(
            what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
      }
    }
  }

  private static void await(Work work) {
    if (!work._wait()) {
      throw new AssertionError("collective did not complete");
    }
  }

  private static void report(int rank, String what, long bytes, double[] seconds) {
    if (rank != 0) {
      return;
    }
    double[] sorted = seconds.clone();
    Arrays.sort(sorted);
    double median = sorted[sorted.length / 2];
    System.out.printf(
        "%-40s %,12d bytes per rank: median %8.3f ms (min %.3f, max %.3f, %d reps), %.2f GB/s%n",
        what, bytes, median * 1e3, sorted[0] * 1e3, sorted[sorted.length - 1] * 1e3,
        sorted.length, bytes / 1e9 / median);
  }
}
