package io.cbns.samplers.crossbatch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Locale;

/**
 * Micro-measurement of {@link FifoMemoryBank#enqueue} time against the bank size M (not a test; run
 * by hand, see docs/samplers.md). Prints, per M, the median of the enqueue, of assembling the
 * candidates (the concat of batch and bank) and, for scale, of the {@code [B, d] x [d, B + M]}
 * logits matmul.
 *
 * <p>Arguments: {@code B d warmup iterations M...}.
 */
public final class BankEnqueueBenchmark {
  private BankEnqueueBenchmark() {}

  public static void main(String[] args) {
    int b = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    int d = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    int iterations = args.length > 3 ? Integer.parseInt(args[3]) : 200;
    int[] sizes =
        args.length > 4
            ? Arrays.stream(args, 4, args.length).mapToInt(Integer::parseInt).toArray()
            : new int[] {3072, 16384, 65536};
    System.out.printf(
        Locale.ROOT, "B=%d d=%d, median of %d after %d warm-up%n", b, d, iterations, warmup);
    System.out.println("M\tenqueue_ms\tcandidates_concat_ms\tlogits_matmul_ms");
    try (NDManager root = NDManager.newBaseManager()) {
      for (int m : sizes) {
        try (FifoMemoryBank bank = new FifoMemoryBank(root, m, d, true)) {
          double[] enqueue = new double[iterations];
          double[] concat = new double[iterations];
          double[] matmul = new double[iterations];
          for (int i = -warmup; i < iterations; i++) {
            try (NDManager step = root.newSubManager()) {
              NDArray v = step.randomNormal(new Shape(b, d));
              NDArray logQ = step.randomNormal(new Shape(b));
              NDArray ids = step.arange(0, b, 1, DataType.INT64);
              NDArray u = step.randomNormal(new Shape(b, d));
              long t0 = System.nanoTime();
              bank.enqueue(v, logQ, ids);
              long t1 = System.nanoTime();
              NDArray c = NDArrays.concat(new NDList(v, bank.embeddings(step)));
              c.getFloat(0, 0); // force completion on lazy devices
              long t2 = System.nanoTime();
              u.matMul(c.transpose()).getFloat(0, 0);
              long t3 = System.nanoTime();
              if (i >= 0) {
                enqueue[i] = (t1 - t0) / 1e6;
                concat[i] = (t2 - t1) / 1e6;
                matmul[i] = (t3 - t2) / 1e6;
              }
            }
          }
          System.out.printf(
              Locale.ROOT,
              "%d\t%.3f\t%.3f\t%.3f%n",
              m,
              median(enqueue),
              median(concat),
              median(matmul));
        }
      }
    }
  }

  private static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
