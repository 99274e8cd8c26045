package io.cbns.models;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.cbns.core.config.Options;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.loss.SampledSoftmaxLoss;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.sampling.Candidates;
import io.cbns.models.tower.MatrixFactorizationFactory;
import io.cbns.models.tower.YoutubeDnnFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times one training step (forward, in-batch sampled softmax, backward, DJL Adam) of each tower.
 *
 * <p>Usage: {@code TowerStepBenchmark [train.txt] [steps]}; with a LightGCN-format {@code
 * train.txt} the real histories are used, else a Gowalla-sized random dataset (29,858 users, 40,981
 * items, 8 + geometric(mean 19) items per user).
 */
public final class TowerStepBenchmark {
  private static final int BATCH = 1024;
  private static final int DIM = 64;

  private TowerStepBenchmark() {}

  public static void main(String[] args) throws IOException {
    CsrMatrix train = args.length > 0 ? readLightGcn(Path.of(args[0])) : randomGowallaSized();
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    System.out.printf(
        Locale.ROOT,
        "data: %d users, %d items, %d train pairs; B=%d d=%d, %d timed steps after 5 warm-up%n",
        train.numRows(),
        train.numColumns(),
        train.nonZeros(),
        BATCH,
        DIM,
        steps);
    long[][] pairs = TestingTowers.pairs(train);
    for (String tower : new String[] {"mf", "youtube-dnn"}) {
      try (NDManager root = NDManager.newBaseManager()) {
        TowerContext ctx =
            new TowerContext(train.numRows(), train.numColumns(), DIM, true, 1, train, root);
        Options options = Options.empty("model");
        TwoTowerModel model =
            tower.equals("mf")
                ? new MatrixFactorizationFactory().create(ctx, options)
                : new YoutubeDnnFactory().create(ctx, options);
        ParameterStore ps = TestingTowers.adamStore(root, 1e-3f);
        SampledSoftmaxLoss loss = new SampledSoftmaxLoss(new LossConfig(0.1, true, true));
        SplittableRandom random = new SplittableRandom(7);
        List<long[]> times = new ArrayList<>();
        for (int s = 0; s < steps + 5; s++) {
          long[] users = new long[BATCH];
          long[] items = new long[BATCH];
          for (int i = 0; i < BATCH; i++) {
            int k = random.nextInt(pairs[0].length);
            users[i] = pairs[0][k];
            items[i] = pairs[1][k];
          }
          long t0 = System.nanoTime();
          long t1;
          try (NDManager step = root.newSubManager()) {
            NDArray userIds = step.create(users);
            NDArray itemIds = step.create(items);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray u = model.encodeUsers(ps, userIds, itemIds, true);
              NDArray v = model.encodeItems(ps, itemIds, true);
              NDArray logQ =
                  step.full(new Shape(BATCH), (float) Math.log(1.0 / train.numColumns()));
              Candidates c = new Candidates(v, logQ, itemIds, true);
              gc.backward(loss.compute(u, c, itemIds));
            }
            t1 = System.nanoTime();
            ps.updateAllParameters();
          }
          long t2 = System.nanoTime();
          if (s >= 5) {
            times.add(new long[] {t1 - t0, t2 - t1});
          }
        }
        model.close();
        report(tower, times);
      }
    }
  }

  private static void report(String tower, List<long[]> times) {
    double[] fb = times.stream().mapToDouble(t -> t[0] / 1e6).sorted().toArray();
    double[] up = times.stream().mapToDouble(t -> t[1] / 1e6).sorted().toArray();
    double[] all = times.stream().mapToDouble(t -> (t[0] + t[1]) / 1e6).sorted().toArray();
    System.out.printf(
        Locale.ROOT,
        "%-12s step median %.1f ms (mean %.1f): forward+backward %.1f ms, Adam %.1f ms%n",
        tower,
        all[all.length / 2],
        Arrays.stream(all).average().orElse(0),
        fb[fb.length / 2],
        up[up.length / 2]);
  }

  private static CsrMatrix readLightGcn(Path file) throws IOException {
    List<int[]> pairs = new ArrayList<>();
    int users = 0;
    int items = 0;
    for (String line : Files.readAllLines(file)) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 2) {
        continue;
      }
      int u = Integer.parseInt(f[0]);
      users = Math.max(users, u + 1);
      for (int k = 1; k < f.length; k++) {
        int i = Integer.parseInt(f[k]);
        items = Math.max(items, i + 1);
        pairs.add(new int[] {u, i});
      }
    }
    int[] rows = pairs.stream().mapToInt(p -> p[0]).toArray();
    int[] cols = pairs.stream().mapToInt(p -> p[1]).toArray();
    return CsrMatrix.fromPairs(users, items, rows, cols);
  }

  private static CsrMatrix randomGowallaSized() {
    int users = 29_858;
    int items = 40_981;
    SplittableRandom random = new SplittableRandom(1);
    List<int[]> pairs = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      int n = 8 + (int) Math.floor(Math.log(1 - random.nextDouble()) / Math.log(1 - 1.0 / 19));
      for (int k = 0; k < n; k++) {
        pairs.add(new int[] {u, random.nextInt(items)});
      }
    }
    return CsrMatrix.fromPairs(
        users,
        items,
        pairs.stream().mapToInt(p -> p[0]).toArray(),
        pairs.stream().mapToInt(p -> p[1]).toArray());
  }
}
