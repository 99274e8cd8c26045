package io.cbns.data.arrow.synthetic;

import static java.util.Objects.requireNonNull;

import io.cbns.data.arrow.importer.DatasetAssembler;
import io.cbns.data.arrow.importer.ImportSpec;
import io.cbns.data.arrow.importer.InteractionBuffer;
import io.cbns.data.arrow.importer.SplitMethod;
import io.cbns.data.arrow.importer.UnseenPolicy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates the synthetic dataset, deterministically from {@link SyntheticConfig} (same config,
 * same content and fingerprint, on any JVM: only {@link SplittableRandom#nextLong()}-derived draws
 * and strict arithmetic are used).
 *
 * <p>The model: every user {@code u} and item {@code i} has a hidden unit vector ({@code p_u},
 * {@code q_i}, Gaussian then normalised) and every item a Zipf popularity {@code rank_i^-s} (ranks
 * a random permutation of the items). User {@code u} draws {@code n_u} distinct items without
 * replacement with probability proportional to {@code popularity_i * exp(cos(p_u, q_i) / T)}
 * (Gumbel top-k); {@code n_u} is uniform in {@code [max(2, m/2), 3m/2]} (capped at the number of
 * items) for the mean {@code m}. A seeded per-user random {@code test-ratio} of each user's items
 * is held out as test.
 *
 * <p>Stateless.
 */
public final class SyntheticGenerator {
  private SyntheticGenerator() {}

  /** Generates and assembles the dataset (named {@code synthetic}). */
  public static ImportSpec.Loaded generate(SyntheticConfig c) {
    requireNonNull(c, "c is null");
    SplittableRandom root = new SplittableRandom(c.seed());
    SplittableRandom factorRng = root.split();
    SplittableRandom popularityRng = root.split();
    SplittableRandom userRng = root.split();
    int d = c.latentDim();
    double[] userFactors = unitVectors(c.users(), d, factorRng);
    double[] itemFactors = unitVectors(c.items(), d, factorRng);
    double[] logPopularity = logPopularity(c.items(), c.zipfExponent(), popularityRng);

    InteractionBuffer all = new InteractionBuffer(false, false);
    int lo = Math.min(c.items(), Math.max(2, c.interactionsPerUser() / 2));
    int hi = Math.min(c.items(), Math.max(lo, c.interactionsPerUser() * 3 / 2));
    double invT = 1.0 / c.affinityTemperature();
    double[] keys = new double[c.items()];
    int[] heapItems = new int[hi];
    double[] heapKeys = new double[hi];
    for (int u = 0; u < c.users(); u++) {
      SplittableRandom rng = userRng.split();
      int n = lo + rng.nextInt(hi - lo + 1);
      for (int i = 0; i < c.items(); i++) {
        double dot = 0;
        for (int k = 0; k < d; k++) {
          dot += userFactors[u * d + k] * itemFactors[i * d + k];
        }
        keys[i] = logPopularity[i] + dot * invT + gumbel(rng);
      }
      int chosen = topK(keys, n, heapItems, heapKeys);
      for (int j = 0; j < chosen; j++) {
        all.add(u, heapItems[j]);
      }
    }
    DatasetAssembler.Plan plan =
        DatasetAssembler.Plan.builder()
            .setName("synthetic")
            .setIdSpace(c.users(), c.items())
            .optSource("synthetic generator")
            .optSplit(SplitMethod.RATIO, c.testRatio())
            .optValidationRatio(c.validationRatio())
            .optUnseenTest(UnseenPolicy.DROP)
            .optSeed(c.seed())
            .build();
    DatasetAssembler.Result r = DatasetAssembler.assemble(plan, all.toTable(), null, null, null);
    Map<String, Long> stats = new LinkedHashMap<>();
    stats.put("generated", (long) all.size());
    stats.put("unseen_dropped", r.stats().unseenDropped());
    return new ImportSpec.Loaded(r.content(), stats);
  }

  /** {@code n} unit vectors of dimension {@code d}, row-major. */
  private static double[] unitVectors(int n, int d, SplittableRandom rng) {
    double[] v = new double[n * d];
    for (int r = 0; r < n; r++) {
      double norm = 0;
      for (int k = 0; k < d; k++) {
        double x = gaussian(rng);
        v[r * d + k] = x;
        norm += x * x;
      }
      norm = Math.sqrt(Math.max(norm, 1e-300));
      for (int k = 0; k < d; k++) {
        v[r * d + k] /= norm;
      }
    }
    return v;
  }

  /** log of a Zipf popularity {@code (rank + 1)^-s}, the ranks a random permutation. */
  private static double[] logPopularity(int items, double s, SplittableRandom rng) {
    int[] rank = new int[items];
    for (int i = 0; i < items; i++) {
      rank[i] = i;
    }
    for (int i = items - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = rank[i];
      rank[i] = rank[j];
      rank[j] = t;
    }
    double[] logPop = new double[items];
    for (int i = 0; i < items; i++) {
      logPop[i] = -s * StrictMath.log(rank[i] + 1.0);
    }
    return logPop;
  }

  /** Box-Muller from two uniforms (not {@code nextGaussian}, whose algorithm may change). */
  private static double gaussian(SplittableRandom rng) {
    double u1 = 1.0 - rng.nextDouble(); // (0, 1]
    double u2 = rng.nextDouble();
    return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
  }

  private static double gumbel(SplittableRandom rng) {
    double u = 1.0 - rng.nextDouble(); // (0, 1]
    return -StrictMath.log(-StrictMath.log(u) + Double.MIN_VALUE);
  }

  /**
   * The indices of the {@code k} largest keys into {@code outItems[0, k)} (any order), with a
   * primitive min-heap; returns {@code k}.
   */
  static int topK(double[] keys, int k, int[] outItems, double[] heapKeys) {
    int size = 0;
    for (int i = 0; i < keys.length; i++) {
      double key = keys[i];
      int pos;
      if (size < k) {
        pos = size++;
        while (pos > 0) { // sift up
          int parent = (pos - 1) >>> 1;
          if (heapKeys[parent] <= key) {
            break;
          }
          pos = moveHole(heapKeys, outItems, parent, pos);
        }
      } else if (key > heapKeys[0]) {
        pos = 0;
        while (true) { // sift down from the root
          int child = 2 * pos + 1;
          if (child >= k) {
            break;
          }
          if (child + 1 < k && heapKeys[child + 1] < heapKeys[child]) {
            child++;
          }
          if (heapKeys[child] >= key) {
            break;
          }
          pos = moveHole(heapKeys, outItems, child, pos);
        }
      } else {
        continue;
      }
      heapKeys[pos] = key;
      outItems[pos] = i;
    }
    return size;
  }

  /** Moves the entry at {@code from} into the hole at {@code hole}; returns the new hole. */
  private static int moveHole(double[] heapKeys, int[] outItems, int from, int hole) {
    heapKeys[hole] = heapKeys[from];
    outItems[hole] = outItems[from];
    return from;
  }
}
