package io.cbns.data.arrow.synthetic;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.FeatureTable;
import io.cbns.data.arrow.format.DatasetContent;
import io.cbns.data.arrow.importer.DatasetAssembler;
import io.cbns.data.arrow.importer.ImportSpec;
import io.cbns.data.arrow.importer.InteractionBuffer;
import io.cbns.data.arrow.importer.SplitMethod;
import io.cbns.data.arrow.importer.UnseenPolicy;
import java.util.LinkedHashMap;
import java.util.List;
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
 * <p>With {@link SyntheticConfig#itemFeatures()} the items get content features that carry their
 * hidden factor {@code q_i} (so that a features tower can learn, and score items it never saw in
 * train): {@code genre} (single-valued, vocabulary {@code 2 * latentDim}) the signed dimension of
 * largest magnitude of {@code q_i}; {@code tags} (multi-valued, vocabulary {@code latentDim}) the
 * two dimensions with the largest values; {@code latent} (dense, width {@code latentDim}) a fixed
 * random rotation-like projection of {@code q_i} plus Gaussian noise (std 0.1). They are drawn from
 * their own random stream, so the interactions do not depend on the option.
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
    SplittableRandom featureRng = root.split();
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
    DatasetContent content = r.content();
    if (c.itemFeatures()) {
      content = content.withFeatures(itemFeatures(itemFactors, c.items(), d, featureRng), null);
    }
    return new ImportSpec.Loaded(content, stats);
  }

  /** The item features described in the class comment. */
  static FeatureTable itemFeatures(double[] q, int items, int d, SplittableRandom rng) {
    int[] genreOffsets = new int[items + 1];
    int[] genre = new int[items];
    int tagsPerItem = Math.min(2, d);
    int[] tagOffsets = new int[items + 1];
    int[] tags = new int[items * tagsPerItem];
    double[] projection = new double[d * d];
    for (int k = 0; k < projection.length; k++) {
      projection[k] = gaussian(rng) / StrictMath.sqrt(d);
    }
    float[] latent = new float[items * d];
    for (int i = 0; i < items; i++) {
      int best = 0;
      for (int k = 1; k < d; k++) {
        if (Math.abs(q[i * d + k]) > Math.abs(q[i * d + best])) {
          best = k;
        }
      }
      genre[i] = 2 * best + (q[i * d + best] < 0 ? 1 : 0);
      genreOffsets[i + 1] = i + 1;
      int first = 0;
      for (int k = 1; k < d; k++) {
        if (q[i * d + k] > q[i * d + first]) {
          first = k;
        }
      }
      tags[i * tagsPerItem] = first;
      if (tagsPerItem == 2) {
        int second = first == 0 ? 1 : 0;
        for (int k = 0; k < d; k++) {
          if (k != first && q[i * d + k] > q[i * d + second]) {
            second = k;
          }
        }
        tags[i * tagsPerItem + 1] = second;
      }
      tagOffsets[i + 1] = (i + 1) * tagsPerItem;
      for (int o = 0; o < d; o++) {
        double x = 0;
        for (int k = 0; k < d; k++) {
          x += projection[o * d + k] * q[i * d + k];
        }
        latent[i * d + o] = (float) (x + 0.1 * gaussian(rng));
      }
    }
    return new FeatureTable(
        items,
        List.of(
            new FeatureTable.CategoricalFeature("genre", 2 * d, genreOffsets, genre),
            new FeatureTable.CategoricalFeature("tags", d, tagOffsets, tags)),
        List.of(new FeatureTable.DenseFeature("latent", d, latent)));
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
