package io.cbns.bench.collectives;

import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
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
 * <p>Usage: {@code GlooCheck RANK WORLD PORT [DIM]}; start one JVM per rank. Rank 0 prints one line
 * per size: the median, min and max seconds over the timed repetitions.
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
    ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create();
    options.devices(new GlooDeviceVector(ProcessGroupGloo.createDeviceForHostname("127.0.0.1")));
    ProcessGroupGloo group = new ProcessGroupGloo(store, rank, world, options);
    if (rank == 0) {
      System.out.printf("world %d, Gloo threads per rank %d%n", world, group.getNumThreads());
    }

    for (int n : new int[] {1 << 10, 1 << 16, 1 << 20, 1 << 22, 1 << 24}) {
      FloatPointer buffer = new FloatPointer(n);
      Tensor tensor = torch.from_blob(buffer, n);
      int reps = n >= 1 << 22 ? 6 : 30;
      double[] seconds = new double[reps];
      for (int k = -2; k < reps; k++) {
        for (int i = 0; i < n; i++) {
          buffer.put(i, rank + 1 + i % 7);
        }
        long start = System.nanoTime();
        await(group.allreduce(new TensorVector(tensor)));
        if (k >= 0) {
          seconds[k] = (System.nanoTime() - start) / 1e9;
        }
        // sum over ranks of (r + 1 + i % 7): small integers, exact in float
        for (int i : new int[] {0, 1, n / 2, n - 1}) {
          float expected = world * (world + 1) / 2f + world * (i % 7);
          if (buffer.get(i) != expected) {
            throw new AssertionError(
                "all-reduce of " + n + " floats: element " + i + " is " + buffer.get(i)
                    + ", expected " + expected);
          }
        }
      }
      report(rank, "all-reduce", n * 4L, seconds);
    }

    for (int rows : new int[] {256, 1024, 8192, 65536}) {
      // every rank sends `rows` rows of `dim` floats to every rank (itself included)
      long n = (long) rows * dim * world;
      FloatPointer in = new FloatPointer(n);
      FloatPointer out = new FloatPointer(n);
      for (long i = 0; i < n; i++) {
        long toRank = i / ((long) rows * dim);
        in.put(i, rank * 1000 + toRank + (i % dim) / 1024f);
      }
      Tensor input = torch.from_blob(in, n);
      Tensor output = torch.from_blob(out, n);
      int reps = rows >= 65536 ? 6 : 30;
      double[] seconds = new double[reps];
      for (int k = -2; k < reps; k++) {
        long start = System.nanoTime();
        await(group.alltoall_base(output, input, new LongVector(), new LongVector()));
        if (k >= 0) {
          seconds[k] = (System.nanoTime() - start) / 1e9;
        }
      }
      // block r of the output came from rank r, which addressed it to this rank
      for (int from = 0; from < world; from++) {
        for (long j : new long[] {0, dim - 1, (long) rows * dim - 1}) {
          long i = (long) from * rows * dim + j;
          float expected = from * 1000 + rank + (j % dim) / 1024f;
          if (out.get(i) != expected) {
            throw new AssertionError(
                "all-to-all of " + rows + " rows: element " + i + " is " + out.get(i)
                    + ", expected " + expected);
          }
        }
      }
      report(rank, "all-to-all " + rows + " rows x " + dim + " per rank pair", n * 4L, seconds);
    }
    await(group.barrier());
    System.out.println("rank " + rank + ": all values exact");
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
