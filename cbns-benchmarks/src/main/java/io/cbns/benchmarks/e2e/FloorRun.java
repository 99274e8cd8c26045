package io.cbns.benchmarks.e2e;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The floor of each end-to-end row: the time this engine, on this machine, needs for the work that
 * no implementation of the row's step can avoid, on the row's shapes. A row's time divided by its
 * floor says how much is left to gain; {@code benchmarks/e2e.sh} prints it next to the ratio to the
 * PyTorch reference.
 *
 * <p>What counts as unavoidable, per training step of {@code mf} towers (B rows, d dimensions, C
 * candidate columns):
 *
 * <ul>
 *   <li>the gathers of the batch's user and item rows from their tables (the gathered rows are the
 *       leaves of the backward pass: adding their gradients into the tables is the optimizer's
 *       work);
 *   <li>the logits {@code [B, C]} as one matrix product, and the two backward products (to the
 *       users, and to the columns that carry gradient);
 *   <li>the log-softmax over {@code [B, C]}, forward and backward.
 * </ul>
 *
 * In-batch has {@code C = B}. A cross-batch {@code embeddings} bank adds {@code M} constant columns
 * (no gradient to them); an {@code ids} bank gathers its {@code M} rows with gradient too. The
 * optimizer, the log q subtraction, masking and the loader are not in the floor: they are work the
 * step does, which the floor leaves for the ratio to show. For evaluation: per chunk of users the
 * score product {@code [chunk, d] x [d, items]} and the top-K, over all users.
 *
 * <p>Usage: {@code FloorRun [--batch 1024] [--bank 3072] [--dim 64] [--users 29858] [--items 40981]
 * [--chunk 1024] [--k 50] [--reps 30] [--threads 2]}; prints one JSON line: the median over {@code
 * reps} repetitions (after {@code reps / 3} warm-up ones) of each row's floor in ms, and the
 * evaluation floor in seconds. Exit code 2 on a usage error.
 */
public final class FloorRun {
  private FloorRun() {}

  /** The settings; defaults are the Gowalla rows of e2e.sh. */
  record Settings(
      int batch, int bank, int dim, int users, int items, int chunk, int k, int reps, int threads) {
    static Settings parse(String[] args) {
      Map<String, Integer> v = new LinkedHashMap<>();
      v.put("batch", 1024);
      v.put("bank", 3072);
      v.put("dim", 64);
      v.put("users", 29_858);
      v.put("items", 40_981);
      v.put("chunk", 1024);
      v.put("k", 50);
      v.put("reps", 30);
      v.put("threads", 2);
      for (int i = 0; i < args.length; i++) {
        String key = args[i].startsWith("--") ? args[i].substring(2) : null;
        if (key == null || !v.containsKey(key) || i + 1 >= args.length) {
          throw new IllegalArgumentException("unknown or incomplete option: " + args[i]);
        }
        try {
          int value = Integer.parseInt(args[++i]);
          if (value < 1) {
            throw new NumberFormatException();
          }
          v.put(key, value);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--" + key + " needs a positive integer");
        }
      }
      return new Settings(
          v.get("batch"),
          v.get("bank"),
          v.get("dim"),
          v.get("users"),
          v.get("items"),
          v.get("chunk"),
          v.get("k"),
          v.get("reps"),
          v.get("threads"));
    }
  }

  public static void main(String[] args) {
    Settings s;
    try {
      s = Settings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(
          "usage: FloorRun [--batch N] [--bank N] [--dim N] [--users N] [--items N] [--chunk N]"
              + " [--k N] [--reps N] [--threads N]");
      System.exit(2);
      return;
    }
    System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(s.threads()));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    System.out.println(toJson(measure(s)));
  }

  /** The floors of the four rows. */
  static Map<String, Object> measure(Settings s) {
    Map<String, Object> out = new LinkedHashMap<>();
    try (NDManager root = NDManager.newBaseManager()) {
      NDArray users = root.randomNormal(new Shape(s.users(), s.dim())).mul(0.1);
      NDArray items = root.randomNormal(new Shape(s.items(), s.dim())).mul(0.1);
      SplittableRandom random = new SplittableRandom(7);
      out.put("in_batch_ms", millis(s.reps(), () -> step(root, users, items, s, 0, false, random)));
      out.put(
          "cross_batch_embeddings_ms",
          millis(s.reps(), () -> step(root, users, items, s, s.bank(), false, random)));
      out.put(
          "cross_batch_ids_ms",
          millis(s.reps(), () -> step(root, users, items, s, s.bank(), true, random)));
      int evalReps = Math.max(3, s.reps() / 10);
      out.put("evaluation_s", millis(evalReps, () -> evaluation(root, users, items, s)) / 1000);
    }
    out.put("settings", s.toString());
    return out;
  }

  /** One step's unavoidable work: gathers, logits, log-softmax, forward and backward. */
  private static void step(
      NDManager root,
      NDArray userTable,
      NDArray itemTable,
      Settings s,
      int bank,
      boolean bankWithGradient,
      SplittableRandom random) {
    try (NDManager m = root.newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray u = gather(userTable, ids(m, s.batch(), s.users(), random));
      NDArray v = gather(itemTable, ids(m, s.batch(), s.items(), random));
      NDArray logits = u.matMul(v.transpose());
      if (bank > 0) {
        NDArray extra =
            bankWithGradient
                ? gather(itemTable, ids(m, bank, s.items(), random))
                : m.randomNormal(new Shape(bank, s.dim()));
        logits = NDArrays.concat(new NDList(logits, u.matMul(extra.transpose())), 1);
      }
      NDArray logProbabilities = logits.logSoftmax(1);
      NDArray rows = m.arange(0, s.batch(), 1, DataType.INT64).reshape(s.batch(), 1);
      gc.backward(logProbabilities.gather(rows, 1).sum().neg());
    }
  }

  /**
   * Full ranking's unavoidable work: all users' scores against all items, chunk by chunk, top-K.
   */
  private static void evaluation(NDManager root, NDArray users, NDArray items, Settings s) {
    try (NDManager m = root.newSubManager()) {
      NDArray itemsT = items.transpose();
      for (int start = 0; start < s.users(); start += s.chunk()) {
        int end = Math.min(s.users(), start + s.chunk());
        try (NDManager c = m.newSubManager()) {
          // the slice would belong to the users' manager, and so would everything computed from
          // it: attached to the chunk's manager, each [chunk, items] score matrix is freed with
          // it, as the evaluator's are (kept, they made the floor page-fault bound, 5x too slow)
          NDArray chunk = users.get(start + ":" + end);
          chunk.attach(c);
          NDList top = chunk.matMul(itemsT).topK(s.k(), 1, true, true);
          top.get(1).toLongArray();
        }
      }
    }
  }

  /** The rows {@code ids} of {@code table}, as a leaf that requires gradient. */
  private static NDArray gather(NDArray table, NDArray ids) {
    NDArray rows =
        ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    rows.setRequiresGradient(true);
    return rows;
  }

  private static NDArray ids(NDManager m, int n, int bound, SplittableRandom random) {
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = random.nextInt(bound);
    }
    return m.create(ids);
  }

  /** The median in ms of {@code reps} runs after {@code max(1, reps / 3)} warm-up runs. */
  private static double millis(int reps, Runnable work) {
    for (int i = 0; i < Math.max(1, reps / 3); i++) {
      work.run();
    }
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      work.run();
      times.add((System.nanoTime() - t0) / 1e6);
    }
    double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted.length % 2 == 1
        ? sorted[sorted.length / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  }

  private static String toJson(Map<String, Object> m) {
    try {
      return new ObjectMapper().writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
