package io.cbns.data.arrow.synthetic;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.FeatureTable;
import io.cbns.data.arrow.format.DatasetContent;
import io.cbns.data.arrow.importer.DatasetAssembler;
import io.cbns.data.arrow.importer.ImportSpec;
import io.cbns.data.arrow.importer.InteractionBuffer;
import io.cbns.data.arrow.importer.SplitMethod;
import io.cbns.data.arrow.importer.UnseenPolicy;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Generates the synthetic dataset, deterministically from {@link SyntheticConfig} (same config,
 * same content and fingerprint, on any JVM: only {@link SplittableRandom#nextLong()}-derived draws
 * and strict arithmetic are used).
 *
 * <p>The model: every user {@code u} and item {@code i} has a hidden unit vector ({@code p_u},
 * {@code q_i}, Gaussian then normalised) and every item a Zipf popularity {@code rank_i^-s} (ranks
 * a random permutation of the items). User {@code u} draws {@code n_u} distinct items without
 * replacement with probability proportional to {@code popularity_i * exp(cos(p_u, q_i) / T)};
 * {@code n_u} is uniform in {@code [max(2, m/2), 3m/2]} (capped at the number of items) for the
 * mean {@code m}. A seeded per-user random {@code test-ratio} of each user's items is held out as
 * test.
 *
 * <p>With {@link SyntheticConfig#itemClusters()} {@code K > 0} the item factors are grouped: item
 * {@code i} belongs to cluster {@code i mod K}, whose direction {@code c_k} is a random unit
 * vector, and {@code q_i = unit(c_k + clusterSpread * z_i)} with {@code z_i} Gaussian of variance
 * {@code 1 / latentDim} per coordinate; the rest of the model is unchanged.
 *
 * <p>Three methods draw from that same law ({@link SyntheticConfig.Sampling}; {@link #resolve}
 * picks one for {@code auto}): {@code scan}, the Gumbel top-k over every item, costs O(users x
 * items x latentDim); {@code rejection} proposes items in proportion to their popularity (an alias
 * table) and accepts one with probability {@code exp((cos - 1) / T)} unless the user has it
 * already, which costs O(interactions x latentDim / acceptance), where the acceptance ({@link
 * #acceptance}) depends only on the latent dimension and the temperature (about 1/1400 at the
 * defaults, 1/70 at temperature 0.2); {@code clustered} (grouped factors only) first picks a
 * cluster in proportion to its popularity times {@code exp(bound / T)}, where the bound is the
 * largest cosine the user can have with an item of the cluster (from the angle between {@code p_u}
 * and {@code c_k} less the cluster's angular radius), then an item of the cluster in proportion to
 * its popularity, and accepts it with probability {@code exp((cos - bound) / T)}: O(users x K x
 * latentDim + interactions x latentDim / acceptance), with an acceptance that grows as the clusters
 * tighten; {@code grouped} is {@code clustered} over groups of nearby items that spherical k-means
 * finds in the item factors ({@link Groups#byKMeans}), so it needs no grouping by construction and
 * draws the default law (independent factors) too, at a cost that no longer grows with the number
 * of items past the grouping (O(items x groups x latentDim), once). The methods give different
 * draws of the same distribution, so a dataset's content depends on the method, which is part of
 * the cache key when it is not {@code scan}. Users are drawn in parallel on the common fork-join
 * pool, each from its own random stream split off in user order, so the content does not depend on
 * the thread count.
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
  /** Users whose random streams are split before their draws run in parallel. */
  private static final int WAVE_USERS = 1 << 16;

  /** Users per parallel task. */
  private static final int BLOCK_USERS = 512;

  /**
   * Cost of one item in the scan (a dot product, a Gumbel draw with two logarithms, a heap test)
   * and of one rejection proposal (an alias draw, a dot product of a row that is rarely in cache, a
   * table lookup), as latent dimensions plus a fixed part; on this project's build machine (AMD
   * EPYC) an item of the scan took 49 ns and a proposal 81 ns at latentDim 16 (docs/data.md).
   */
  private static final double SCAN_FIXED = 16;

  private static final double PROPOSAL_FIXED = 36;

  /** Cost of one cluster's bound for one user (a dot product, an arc cosine, a cosine, an exp). */
  private static final double CLUSTER_FIXED = 60;

  /** Above this many expected proposals per accepted draw, rejection is refused. */
  static final double MAX_PROPOSALS_PER_DRAW = 1e6;

  private SyntheticGenerator() {}

  /**
   * The sampling method {@code c} generates with: {@code auto} becomes the method of lower
   * estimated cost, {@code scan}'s {@code users x items x (latentDim + 16)} against rejection's
   * {@code users x interactionsPerUser / acceptance x (latentDim + 36)}, where the acceptance is
   * the expected {@code exp((cos - 1) / T)} of a random user and item ({@link #acceptance}).
   *
   * @throws IllegalArgumentException when {@code rejection} is asked for at an acceptance so low
   *     that a draw would take more than {@link #MAX_PROPOSALS_PER_DRAW} proposals
   */
  public static SyntheticConfig.Sampling resolve(SyntheticConfig c) {
    double acceptance = acceptance(c.latentDim(), c.affinityTemperature());
    double perDraw = 1.0 / acceptance;
    if (c.sampling() == SyntheticConfig.Sampling.REJECTION) {
      if (!(perDraw <= MAX_PROPOSALS_PER_DRAW)) {
        throw new IllegalArgumentException(
            String.format(
                java.util.Locale.ROOT,
                "sampling: rejection would need about %.3g proposals per drawn item at"
                    + " latent-dim %d and affinity-temperature %s; use sampling: scan (or auto)",
                perDraw,
                c.latentDim(),
                c.affinityTemperature()));
      }
      return c.sampling();
    }
    if (c.sampling() == SyntheticConfig.Sampling.SCAN
        || c.sampling() == SyntheticConfig.Sampling.CLUSTERED
        || c.sampling() == SyntheticConfig.Sampling.GROUPED) {
      return c.sampling();
    }
    double scan = (double) c.items() * (c.latentDim() + SCAN_FIXED);
    double rejection = c.interactionsPerUser() * perDraw * (c.latentDim() + PROPOSAL_FIXED);
    // a user who draws a large share of the items would find few of them left to accept
    boolean sparse = c.interactionsPerUser() * 3L / 2 <= c.items() / 4;
    if (sparse
        && c.itemClusters() > 0
        && (double) c.itemClusters() * (c.latentDim() + CLUSTER_FIXED) < scan / 4) {
      return SyntheticConfig.Sampling.CLUSTERED;
    }
    return sparse && rejection < scan
        ? SyntheticConfig.Sampling.REJECTION
        : SyntheticConfig.Sampling.SCAN;
  }

  /**
   * The expected {@code exp((cos(p, q) - 1) / T)} for independent uniform unit vectors {@code p, q}
   * in {@code d} dimensions: the share of rejection proposals accepted. The cosine of such vectors
   * has density proportional to {@code sin^(d-2)(theta)} in its angle {@code theta}; integrated
   * numerically (4096 midpoints).
   */
  static double acceptance(int d, double temperature) {
    if (d == 1) {
      return 0.5 * (1 + StrictMath.exp(-2 / temperature));
    }
    int steps = 4096;
    double num = 0;
    double den = 0;
    for (int k = 0; k < steps; k++) {
      double theta = Math.PI * (k + 0.5) / steps;
      double w = StrictMath.pow(StrictMath.sin(theta), d - 2);
      num += w * StrictMath.exp((StrictMath.cos(theta) - 1) / temperature);
      den += w;
    }
    return num / den;
  }

  /** Generates and assembles the dataset (named {@code synthetic}). */
  public static ImportSpec.Loaded generate(SyntheticConfig c) {
    requireNonNull(c, "c is null");
    SplittableRandom root = new SplittableRandom(c.seed());
    SplittableRandom factorRng = root.split();
    SplittableRandom popularityRng = root.split();
    SplittableRandom userRng = root.split();
    SplittableRandom featureRng = root.split();
    SplittableRandom groupRng = root.split();
    int d = c.latentDim();
    double[] userFactors = unitVectors(c.users(), d, factorRng);
    double[] centres = c.itemClusters() > 0 ? unitVectors(c.itemClusters(), d, factorRng) : null;
    double[] itemFactors =
        centres == null
            ? unitVectors(c.items(), d, factorRng)
            : clusteredVectors(c.items(), d, centres, c.clusterSpread(), factorRng);
    double[] logPopularity = logPopularity(c.items(), c.zipfExponent(), popularityRng);

    InteractionBuffer all = new InteractionBuffer(false, false);
    int lo = Math.min(c.items(), Math.max(2, c.interactionsPerUser() / 2));
    int hi = Math.min(c.items(), Math.max(lo, c.interactionsPerUser() * 3 / 2));
    SyntheticConfig.Sampling method = resolve(c);
    Groups groups =
        switch (method) {
          case CLUSTERED -> Groups.byConstruction(c.items(), d, centres);
          case GROUPED ->
              Groups.byKMeans(itemFactors, c.items(), d, c.effectiveSamplingGroups(), groupRng);
          default -> null;
        };
    UserDraws draws =
        new UserDraws(
            c.items(),
            d,
            1.0 / c.affinityTemperature(),
            userFactors,
            itemFactors,
            logPopularity,
            method == SyntheticConfig.Sampling.REJECTION,
            groups);
    // users in waves: their random streams split in user order (as a sequential loop would),
    // their draws in parallel, their interactions appended in user order, so the content does
    // not depend on the number of threads
    for (int waveStart = 0; waveStart < c.users(); waveStart += WAVE_USERS) {
      int waveEnd = Math.min(c.users(), waveStart + WAVE_USERS);
      SplittableRandom[] rngs = new SplittableRandom[waveEnd - waveStart];
      for (int j = 0; j < rngs.length; j++) {
        rngs[j] = userRng.split();
      }
      int first = waveStart;
      int blocks = (rngs.length + BLOCK_USERS - 1) / BLOCK_USERS;
      int[][] items =
          IntStream.range(0, blocks)
              .parallel()
              .mapToObj(
                  b -> {
                    int from = first + b * BLOCK_USERS;
                    int to = Math.min(first + rngs.length, from + BLOCK_USERS);
                    return draws.block(from, to, rngs, first, lo, hi);
                  })
              .toArray(int[][]::new);
      for (int b = 0; b < blocks; b++) {
        int[] block = items[b];
        for (int p = 0; p < block.length; p += 2) {
          all.add(block[p], block[p + 1]);
        }
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

  /** A block's work arrays for the scan, allocated on first use. */
  private static final class Scratch {
    private final int items;
    private final int hi;
    private double[] keys;
    private double[] heapKeys;
    private int[] heapItems;

    Scratch(int items, int hi) {
      this.items = items;
      this.hi = hi;
    }

    double[] keys() {
      if (keys == null) {
        keys = new double[items];
      }
      return keys;
    }

    double[] heapKeys() {
      if (heapKeys == null) {
        heapKeys = new double[hi];
      }
      return heapKeys;
    }

    int[] heapItems() {
      if (heapItems == null) {
        heapItems = new int[hi];
      }
      return heapItems;
    }
  }

  /** Draws the items of blocks of users, by either method; thread-safe (read-only state). */
  private static final class UserDraws {
    private final int items;
    private final int d;
    private final double invT;
    private final double[] userFactors;
    private final double[] itemFactors;
    private final double[] logPopularity;
    private final boolean rejection;
    // clustered and grouped sampling: the groups (directions, members), their angular radii, log
    // popularity mass, and each group's alias table of its members' popularity (its entries start
    // at clusterOffset[k]); null otherwise
    private final double[] centres;
    private final int clusters;
    private final double[] clusterRadius;
    private final double[] clusterLogMass;
    private final int[] clusterOffset;
    private final int[] clusterMembers;
    // the item factors in group order (row clusterOffset[k] + j is member j of group k): most of a
    // user's proposals come from the groups nearest to them, whose rows are then contiguous and
    // stay in cache (the same numbers as itemFactors, so the same decisions)
    private final double[] groupedFactors;
    private final double[] clusterAliasProbability;
    private final int[] clusterAlias;
    // Vose's alias table of the popularity, for rejection's proposals
    private final double[] aliasProbability;
    private final int[] alias;
    // rejectMargin[k]: a proposal whose dot lies this far or more below its bound (1 for
    // rejection, the group's bound for clustered and grouped) is rejected for sure by a coin with
    // binary exponent -k
    private final double[] rejectMargin;

    UserDraws(
        int items,
        int d,
        double invT,
        double[] userFactors,
        double[] itemFactors,
        double[] logPopularity,
        boolean rejection,
        Groups groups) {
      this.items = items;
      this.d = d;
      this.invT = invT;
      this.userFactors = userFactors;
      this.itemFactors = itemFactors;
      this.logPopularity = logPopularity;
      this.rejection = rejection;
      boolean clustered = groups != null;
      this.centres = clustered ? groups.centres() : null;
      this.clusters = clustered ? groups.count() : 0;
      this.clusterRadius = clustered ? new double[clusters] : null;
      this.clusterLogMass = clustered ? new double[clusters] : null;
      this.clusterOffset = clustered ? groups.offset() : null;
      this.clusterMembers = clustered ? groups.members() : null;
      this.groupedFactors = clustered ? new double[items * d] : null;
      if (clustered) {
        for (int r = 0; r < items; r++) {
          System.arraycopy(itemFactors, clusterMembers[r] * d, groupedFactors, r * d, d);
        }
      }
      this.clusterAliasProbability = clustered ? new double[items] : null;
      this.clusterAlias = clustered ? new int[items] : null;
      if (clustered) {
        buildClusters();
      }
      this.aliasProbability = rejection ? new double[items] : null;
      this.alias = rejection ? new int[items] : null;
      this.rejectMargin = rejection || clustered ? new double[1100] : null;
      if (rejection) {
        buildAlias();
      }
      if (rejectMargin != null) {
        // accepted iff coin < exp((dot - bound) / T), i.e. dot - bound > T ln(coin), and ln(coin)
        // >= -k ln 2 for a coin in [2^-k, 2^-k+1); a margin for rounding, so that the table never
        // rejects what the exact test accepts
        for (int k = 0; k < rejectMargin.length; k++) {
          rejectMargin[k] = k * StrictMath.log(2) / invT + 1e-9;
        }
      }
    }

    /**
     * The (user, item) pairs of users {@code [from, to)}, in user order, each user's items in the
     * order drawn.
     */
    int[] block(int from, int to, SplittableRandom[] rngs, int rngBase, int lo, int hi) {
      int[] out = new int[2 * (to - from) * hi];
      int size = 0;
      int[] chosen = new int[hi];
      Scratch scratch = new Scratch(items, hi);
      boolean[] taken = rejection || centres != null ? new boolean[items] : null;
      double[] bounds = centres != null ? new double[clusters] : null;
      double[] cumulative = centres != null ? new double[clusters] : null;
      for (int u = from; u < to; u++) {
        SplittableRandom rng = rngs[u - rngBase];
        int n = lo + rng.nextInt(hi - lo + 1);
        int count;
        if (rejection) {
          count = reject(u, n, rng, chosen, taken, scratch);
        } else if (centres != null) {
          count = rejectByCluster(u, n, rng, chosen, taken, scratch, bounds, cumulative);
        } else {
          count = scan(u, n, rng, scratch.keys(), chosen, scratch.heapKeys());
        }
        for (int j = 0; j < count; j++) {
          out[size++] = u;
          out[size++] = chosen[j];
        }
      }
      return Arrays.copyOf(out, size);
    }

    /** Gumbel top-k over every item: the {@code n} largest {@code log pop + cos / T + G}. */
    private int scan(
        int u, int n, SplittableRandom rng, double[] keys, int[] chosen, double[] heapKeys) {
      for (int i = 0; i < items; i++) {
        keys[i] = logPopularity[i] + dot(u, i) * invT + gumbel(rng);
      }
      return topK(keys, n, chosen, heapKeys);
    }

    /**
     * Sequential draws without replacement by rejection: an item proposed in proportion to its
     * popularity is accepted with probability {@code exp((cos - 1) / T)} (at most 1, as {@code cos
     * <= 1}) unless the user has it already, so each accepted item is drawn in proportion to {@code
     * popularity x exp(cos / T)} among the items not yet drawn: the law of the Gumbel top-k of
     * {@link #scan}.
     */
    private int reject(
        int u, int n, SplittableRandom rng, int[] chosen, boolean[] taken, Scratch scratch) {
      int count = 0;
      // a user who has drawn most of their high-affinity items finds the rest rarely accepted:
      // past a budget of a few scans' worth of proposals, the remaining n - count items come from
      // the Gumbel top-k over the items not yet drawn, which continues the same sequential law
      long budget = 2L * items + 64;
      for (long proposals = 0; count < n; proposals++) {
        if (proposals == budget) {
          count = finishByScan(u, n, count, rng, chosen, taken, scratch);
          break;
        }
        int i = rng.nextInt(items);
        if (rng.nextDouble() >= aliasProbability[i]) {
          i = alias[i];
        }
        double coin = rng.nextDouble();
        double dot = dot(u, i);
        // accepted iff coin < exp((dot - 1) / T), i.e. dot > 1 + T ln(coin); ln(coin) is at
        // least exponent(coin) x ln 2, so most proposals are rejected by a table lookup, and the
        // exponential is computed only near the boundary (the same decisions, faster)
        if (coin > 0 && dot - 1 <= -rejectMargin[-Math.getExponent(coin)]) {
          continue;
        }
        if (coin < StrictMath.exp((dot - 1) * invT) && !taken[i]) {
          taken[i] = true;
          chosen[count++] = i;
        }
      }
      for (int j = 0; j < count; j++) {
        taken[chosen[j]] = false;
      }
      return count;
    }

    /**
     * Sequential draws without replacement by rejection from cluster proposals: a cluster is
     * proposed in proportion to {@code mass_k x exp(bound_k / T)}, an item of it in proportion to
     * its popularity, and the item is accepted with probability {@code exp((cos - bound_k) / T)}
     * (at most 1, as the bound is at least the cosine) unless the user has it already, so each
     * accepted item is drawn in proportion to {@code popularity x exp(cos / T)} among the items not
     * yet drawn: the law of {@link #scan}.
     */
    private int rejectByCluster(
        int u,
        int n,
        SplittableRandom rng,
        int[] chosen,
        boolean[] taken,
        Scratch scratch,
        double[] bounds,
        double[] cumulative) {
      double maxLog = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < clusters; k++) {
        double dot = dot(userFactors, u * d, centres, k * d, d);
        double angle = StrictMath.acos(Math.max(-1, Math.min(1, dot)));
        bounds[k] = StrictMath.cos(Math.max(0, angle - clusterRadius[k]));
        cumulative[k] = clusterLogMass[k] + bounds[k] * invT;
        maxLog = Math.max(maxLog, cumulative[k]);
      }
      double total = 0;
      for (int k = 0; k < clusters; k++) {
        total += StrictMath.exp(cumulative[k] - maxLog);
        cumulative[k] = total;
      }
      int count = 0;
      long budget = 2L * items + 64;
      for (long proposals = 0; count < n; proposals++) {
        if (proposals == budget) {
          count = finishByScan(u, n, count, rng, chosen, taken, scratch);
          break;
        }
        double x = rng.nextDouble() * total;
        int k = Arrays.binarySearch(cumulative, x);
        k = k >= 0 ? k + 1 : -k - 1; // the first group whose cumulative weight exceeds x
        if (k >= clusters) {
          k = clusters - 1; // only through rounding
        }
        int size = clusterOffset[k + 1] - clusterOffset[k];
        int j = rng.nextInt(size);
        if (rng.nextDouble() >= clusterAliasProbability[clusterOffset[k] + j]) {
          j = clusterAlias[clusterOffset[k] + j];
        }
        int row = clusterOffset[k] + j;
        int i = clusterMembers[row];
        double coin = rng.nextDouble();
        double below = dot(userFactors, u * d, groupedFactors, row * d, d) - bounds[k];
        // most proposals are rejected by a table lookup on the coin's binary exponent, as in
        // reject (the same decisions, without the exponential)
        if (coin > 0 && below <= -rejectMargin[-Math.getExponent(coin)]) {
          continue;
        }
        if (coin < StrictMath.exp(below * invT) && !taken[i]) {
          taken[i] = true;
          chosen[count++] = i;
        }
      }
      for (int j = 0; j < count; j++) {
        taken[chosen[j]] = false;
      }
      return count;
    }

    /**
     * Each group's angular radius (the largest angle between its direction and one of its items,
     * plus a margin for rounding, so that bounds are never below a cosine), log popularity mass and
     * alias table.
     */
    private void buildClusters() {
      for (int k = 0; k < clusters; k++) {
        int size = clusterOffset[k + 1] - clusterOffset[k];
        double[] weights = new double[size];
        double maxLog = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < size; j++) {
          maxLog = Math.max(maxLog, logPopularity[clusterMembers[clusterOffset[k] + j]]);
        }
        double mass = 0;
        double radius = 0;
        for (int j = 0; j < size; j++) {
          int i = clusterMembers[clusterOffset[k] + j];
          weights[j] = StrictMath.exp(logPopularity[i] - maxLog);
          mass += weights[j];
          double dot = dot(centres, k * d, itemFactors, i * d, d);
          radius = Math.max(radius, StrictMath.acos(Math.max(-1, Math.min(1, dot))));
        }
        clusterRadius[k] = radius + 1e-9;
        clusterLogMass[k] = maxLog + StrictMath.log(mass);
        vose(weights, clusterAliasProbability, clusterAlias, clusterOffset[k]);
      }
    }

    /** The Gumbel top-(n - count) of the items not taken, appended to {@code chosen}. */
    private int finishByScan(
        int u,
        int n,
        int count,
        SplittableRandom rng,
        int[] chosen,
        boolean[] taken,
        Scratch scratch) {
      double[] keys = scratch.keys();
      for (int i = 0; i < items; i++) {
        keys[i] =
            taken[i] ? Double.NEGATIVE_INFINITY : logPopularity[i] + dot(u, i) * invT + gumbel(rng);
      }
      int[] rest = scratch.heapItems();
      int k = topK(keys, n - count, rest, scratch.heapKeys());
      for (int j = 0; j < k; j++) {
        taken[rest[j]] = true;
        chosen[count++] = rest[j];
      }
      return count;
    }

    private double dot(int u, int i) {
      return dot(userFactors, u * d, itemFactors, i * d, d);
    }

    /** The dot product of rows {@code a[ao, ao + d)} and {@code b[bo, bo + d)}. */
    private static double dot(double[] a, int ao, double[] b, int bo, int d) {
      double dot = 0;
      for (int k = 0; k < d; k++) {
        dot += a[ao + k] * b[bo + k];
      }
      return dot;
    }

    /** Vose's alias method over {@code exp(logPopularity)}. */
    private void buildAlias() {
      double[] weights = new double[items];
      for (int i = 0; i < items; i++) {
        weights[i] = StrictMath.exp(logPopularity[i]);
      }
      vose(weights, aliasProbability, alias, 0);
    }

    /**
     * Vose's alias table of {@code weights} (consumed), written to {@code probability} and {@code
     * alias} from {@code offset}; the aliases are indices into {@code weights}.
     */
    private static void vose(double[] weights, double[] aliasProbability, int[] alias, int offset) {
      int items = weights.length;
      double[] scaled = weights;
      double total = 0;
      for (int i = 0; i < items; i++) {
        total += scaled[i];
      }
      int[] small = new int[items];
      int[] large = new int[items];
      int ns = 0;
      int nl = 0;
      for (int i = items - 1; i >= 0; i--) {
        scaled[i] = scaled[i] * items / total;
        if (scaled[i] < 1) {
          small[ns++] = i;
        } else {
          large[nl++] = i;
        }
      }
      while (ns > 0 && nl > 0) {
        int s = small[--ns];
        int l = large[--nl];
        aliasProbability[offset + s] = scaled[s];
        alias[offset + s] = l;
        scaled[l] = (scaled[l] + scaled[s]) - 1;
        if (scaled[l] < 1) {
          small[ns++] = l;
        } else {
          large[nl++] = l;
        }
      }
      while (nl > 0) {
        int l = large[--nl];
        aliasProbability[offset + l] = 1;
        alias[offset + l] = l;
      }
      while (ns > 0) { // only through rounding
        int s = small[--ns];
        aliasProbability[offset + s] = 1;
        alias[offset + s] = s;
      }
    }
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

  /**
   * The groups that {@code clustered} and {@code grouped} sampling propose from: {@code count}
   * directions ({@code centres}, row-major, unit vectors) and, for group {@code k}, its items
   * {@code members[offset[k] .. offset[k + 1])}, at least one. Every item is in exactly one group;
   * any grouping gives the same law (a group's bound comes from the largest angle between its
   * direction and one of its items), a tighter one accepts more proposals.
   */
  record Groups(double[] centres, int count, int[] offset, int[] members) {
    /**
     * Lloyd iterations of {@link #byKMeans}; more tighten the groups a little, at items x K x d
     * each.
     */
    static final int KMEANS_ITERATIONS = 5;

    /**
     * Items per group that {@link #byKMeans} iterates on; all items are assigned once at the end.
     */
    static final int KMEANS_SAMPLE_PER_GROUP = 64;

    /** The grouping by construction of {@code item-clusters}: item {@code i} in {@code i mod K}. */
    static Groups byConstruction(int items, int d, double[] centres) {
      int clusters = centres.length / d;
      int[] offset = new int[clusters + 1];
      int[] members = new int[items];
      for (int k = 0; k < clusters; k++) {
        offset[k + 1] = offset[k] + (items - k + clusters - 1) / clusters;
        for (int j = 0; j < offset[k + 1] - offset[k]; j++) {
          members[offset[k] + j] = k + j * clusters;
        }
      }
      return new Groups(centres, clusters, offset, members);
    }

    /**
     * Spherical k-means over the item factors: draws a sample of at most {@link
     * #KMEANS_SAMPLE_PER_GROUP} items per group without replacement from {@code rng}, starts from
     * the factors of its first {@code groups} items, then {@link #KMEANS_ITERATIONS} times assigns
     * every sampled item to its nearest direction (largest cosine, ties to the lower group) and
     * moves each direction to the normalised sum of its items (summed in sample order), and finally
     * assigns every item. Groups left empty are dropped. Costs O((sample x iterations + items) x
     * groups x d); the result depends on the arguments only, not on the thread count (the items are
     * assigned in parallel, each independently).
     */
    static Groups byKMeans(double[] factors, int items, int d, int groups, SplittableRandom rng) {
      int g = Math.min(groups, items);
      int sample = (int) Math.min(items, (long) KMEANS_SAMPLE_PER_GROUP * g);
      int[] perm = new int[items];
      for (int i = 0; i < items; i++) {
        perm[i] = i;
      }
      for (int k = 0; k < sample; k++) { // a partial Fisher-Yates shuffle
        int j = k + rng.nextInt(items - k);
        int t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
      }
      double[] centres = new double[g * d];
      for (int k = 0; k < g; k++) {
        System.arraycopy(factors, perm[k] * d, centres, k * d, d);
      }
      int[] sampleAssignment = new int[sample];
      for (int iteration = 0; iteration < KMEANS_ITERATIONS; iteration++) {
        assign(factors, perm, sample, d, centres, g, sampleAssignment);
        double[] sums = new double[g * d];
        for (int s = 0; s < sample; s++) {
          int k = sampleAssignment[s];
          for (int c = 0; c < d; c++) {
            sums[k * d + c] += factors[perm[s] * d + c];
          }
        }
        for (int k = 0; k < g; k++) {
          double norm = 0;
          for (int c = 0; c < d; c++) {
            norm += sums[k * d + c] * sums[k * d + c];
          }
          if (norm > 1e-24) { // else (no items, or items that cancel) the direction stays
            norm = Math.sqrt(norm);
            for (int c = 0; c < d; c++) {
              centres[k * d + c] = sums[k * d + c] / norm;
            }
          }
        }
      }
      int[] assignment = new int[items];
      assign(factors, null, items, d, centres, g, assignment);
      // the items of each non-empty group, in item order (a counting sort)
      int[] size = new int[g];
      for (int i = 0; i < items; i++) {
        size[assignment[i]]++;
      }
      int[] index = new int[g];
      int count = 0;
      for (int k = 0; k < g; k++) {
        index[k] = size[k] > 0 ? count++ : -1;
      }
      int[] offset = new int[count + 1];
      double[] kept = new double[count * d];
      for (int k = 0; k < g; k++) {
        if (index[k] >= 0) {
          offset[index[k] + 1] = offset[index[k]] + size[k];
          System.arraycopy(centres, k * d, kept, index[k] * d, d);
        }
      }
      int[] fill = Arrays.copyOf(offset, count);
      int[] members = new int[items];
      for (int i = 0; i < items; i++) {
        members[fill[index[assignment[i]]]++] = i;
      }
      return new Groups(kept, count, offset, members);
    }

    /**
     * The nearest direction (largest dot, ties to the lower index) of items {@code rows[0 .. n)}
     * ({@code rows} null: items {@code 0 .. n)}), in parallel.
     */
    private static void assign(
        double[] factors, int[] rows, int n, int d, double[] centres, int groups, int[] out) {
      int blocks = (n + 1023) / 1024;
      IntStream.range(0, blocks)
          .parallel()
          .forEach(
              b -> {
                for (int r = b * 1024; r < Math.min(n, b * 1024 + 1024); r++) {
                  int i = rows == null ? r : rows[r];
                  int best = 0;
                  double bestDot = Double.NEGATIVE_INFINITY;
                  for (int k = 0; k < groups; k++) {
                    double dot = UserDraws.dot(factors, i * d, centres, k * d, d);
                    if (dot > bestDot) {
                      bestDot = dot;
                      best = k;
                    }
                  }
                  out[r] = best;
                }
              });
    }
  }

  /** {@code n} unit vectors of dimension {@code d}, row-major. */
  private static double[] unitVectors(int n, int d, SplittableRandom rng) {
    double[] v = new double[n * d];
    for (int r = 0; r < n; r++) {
      for (int k = 0; k < d; k++) {
        v[r * d + k] = gaussian(rng);
      }
      normalizeRow(v, r, d);
    }
    return v;
  }

  /**
   * {@code n} unit vectors grouped around {@code centres} (row-major, K rows): row {@code i} is
   * {@code unit(centre_(i mod K) + spread * z)} with {@code z} Gaussian of variance {@code 1 / d}
   * per coordinate.
   */
  private static double[] clusteredVectors(
      int n, int d, double[] centres, double spread, SplittableRandom rng) {
    int clusters = centres.length / d;
    double scale = spread / StrictMath.sqrt(d);
    double[] v = new double[n * d];
    for (int r = 0; r < n; r++) {
      int co = (r % clusters) * d;
      for (int k = 0; k < d; k++) {
        v[r * d + k] = centres[co + k] + scale * gaussian(rng);
      }
      normalizeRow(v, r, d);
    }
    return v;
  }

  /** Divides row {@code r} of {@code v} (row-major, {@code d} columns) by its norm. */
  private static void normalizeRow(double[] v, int r, int d) {
    double norm = 0;
    for (int k = 0; k < d; k++) {
      norm += v[r * d + k] * v[r * d + k];
    }
    norm = Math.sqrt(Math.max(norm, 1e-300));
    for (int k = 0; k < d; k++) {
      v[r * d + k] /= norm;
    }
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
