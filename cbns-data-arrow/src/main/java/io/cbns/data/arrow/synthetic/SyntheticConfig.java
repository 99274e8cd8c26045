package io.cbns.data.arrow.synthetic;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The options of the synthetic dataset. Defaults make the embedded first-run dataset: small enough
 * to train an MF two-tower model for 10 epochs on 2 CPU cores in about a minute, with enough
 * personal signal that a trained model beats the most-popular baseline by far, and enough
 * popularity skew that the logQ correction matters.
 *
 * @param users number of users ({@code users}, default 4000)
 * @param items number of items ({@code items}, default 2000)
 * @param interactionsPerUser mean interactions per user before the test holdout ({@code
 *     interactions-per-user}, default 50; each user draws uniformly from [mean/2, 3 mean/2])
 * @param latentDim dimension of the hidden user/item factors ({@code latent-dim}, default 16)
 * @param zipfExponent item popularity is proportional to {@code rank^-zipfExponent} ({@code
 *     zipf-exponent}, default 1.0; 0 = no popularity effect)
 * @param affinityTemperature the user-item affinity is {@code cos(p_u, q_i) / temperature} ({@code
 *     affinity-temperature}, default 0.1; smaller = more personal, larger = more popularity-driven)
 * @param testRatio held-out fraction of each user's interactions ({@code test-ratio}, default 0.2)
 * @param validationRatio fraction of each user's train interactions carved out as validation
 *     ({@code validation-ratio}, default 0)
 * @param seed the generator's seed ({@code seed}, default 42, deliberately not the run seed: the
 *     default dataset is the same for every run and cached once)
 * @param itemFeatures whether the dataset gets item features derived from the hidden item factors
 *     ({@code item-features}, default false; see {@link SyntheticGenerator})
 * @param sampling how each user's items are drawn ({@code sampling}: {@code auto}, the default,
 *     {@code scan}, {@code rejection}, {@code clustered} or {@code grouped}); every method draws
 *     from the same distribution, with different random draws, see {@link SyntheticGenerator}
 * @param itemClusters when positive, the hidden item factors are grouped around this many random
 *     directions ({@code item-clusters}, default 0: independent directions), which lets {@code
 *     clustered} sampling draw in O(interactions) at any temperature
 * @param clusterSpread how far an item's factor lies from its cluster's direction: the factor is
 *     {@code unit(centre + clusterSpread * z)} with {@code z} Gaussian of variance {@code 1 /
 *     latentDim} per coordinate ({@code cluster-spread}, default 0.3; used with {@code
 *     item-clusters} only)
 * @param samplingGroups with {@code grouped} sampling, how many groups of nearby items the items
 *     are sorted into ({@code sampling-groups}, at most 16384; default 0: {@code items / 100}, at
 *     least 1 and at most 2048)
 */
public record SyntheticConfig(
    int users,
    int items,
    int interactionsPerUser,
    int latentDim,
    double zipfExponent,
    double affinityTemperature,
    double testRatio,
    double validationRatio,
    long seed,
    boolean itemFeatures,
    Sampling sampling,
    int itemClusters,
    double clusterSpread,
    int samplingGroups) {
  /** Bump when the generator's algorithm changes, so that caches of the old output are rebuilt. */
  public static final int GENERATOR_VERSION = 1;

  /** How each user's items are drawn (see {@link SyntheticGenerator}). */
  public enum Sampling {
    /**
     * {@link #CLUSTERED} when the factors are grouped and their bounds are cheap, else {@link
     * #REJECTION} when its estimated cost is lower than {@link #SCAN}'s, else SCAN; never {@link
     * #GROUPED}.
     */
    AUTO,
    /** Gumbel top-k over every item: O(users x items x latentDim). */
    SCAN,
    /** Popularity proposals accepted by affinity: O(interactions x proposals per draw). */
    REJECTION,
    /**
     * Proposals from a cluster chosen by its affinity bound, accepted by affinity: O(users x
     * itemClusters x latentDim + interactions x proposals per draw); needs {@code itemClusters}.
     */
    CLUSTERED,
    /**
     * As {@link #CLUSTERED}, with groups of nearby items found by spherical k-means over the hidden
     * item factors, so that it works for independent factors too: O(items x groups x latentDim) to
     * group, then O(users x groups x latentDim + interactions x proposals per draw).
     */
    GROUPED
  }

  /** Groups of {@code grouped} sampling when {@code samplingGroups} is 0: items / 100, capped. */
  static final int MAX_AUTOMATIC_GROUPS = 2048;

  /** The most groups {@code sampling-groups} may ask for. */
  static final int MAX_SAMPLING_GROUPS = 16384;

  /** The number of groups {@code grouped} sampling sorts the items into. */
  public int effectiveSamplingGroups() {
    return samplingGroups > 0
        ? samplingGroups
        : Math.max(1, Math.min(MAX_AUTOMATIC_GROUPS, items / 100));
  }

  public SyntheticConfig {
    if (sampling == null) {
      throw new IllegalArgumentException("sampling is null");
    }
    if (users < 1 || items < 2 || interactionsPerUser < 2 || latentDim < 1) {
      throw new IllegalArgumentException(
          "users >= 1, items >= 2, interactionsPerUser >= 2 and latentDim >= 1 required");
    }
    if (interactionsPerUser > items) {
      throw new IllegalArgumentException("interactionsPerUser must be <= items");
    }
    if (!(zipfExponent >= 0) || !(affinityTemperature > 0)) {
      throw new IllegalArgumentException("zipfExponent >= 0 and affinityTemperature > 0 required");
    }
    if (!(testRatio > 0 && testRatio < 1) || !(validationRatio >= 0 && validationRatio < 1)) {
      throw new IllegalArgumentException("testRatio in (0, 1), validationRatio in [0, 1)");
    }
    if (itemClusters < 0 || itemClusters > items || !(clusterSpread >= 0 && clusterSpread <= 10)) {
      throw new IllegalArgumentException(
          "itemClusters in [0, items] and clusterSpread in [0, 10] required");
    }
    if (sampling == Sampling.CLUSTERED && itemClusters == 0) {
      throw new IllegalArgumentException("sampling: clustered needs item-clusters > 0");
    }
    if (samplingGroups < 0 || samplingGroups > Math.min(items, MAX_SAMPLING_GROUPS)) {
      throw new IllegalArgumentException("samplingGroups in [0, min(items, 16384)] required");
    }
  }

  /** The embedded default. */
  public static SyntheticConfig defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults; every option is optional. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link SyntheticConfig}; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private int users = 4000;
    private int items = 2000;
    private int interactionsPerUser = 50;
    private int latentDim = 16;
    private double zipfExponent = 1.0;
    private double affinityTemperature = 0.1;
    private double testRatio = 0.2;
    private double validationRatio = 0.0;
    private long seed = 42;
    private boolean itemFeatures;
    private Sampling sampling = Sampling.AUTO;
    private int itemClusters;
    private double clusterSpread = 0.3;
    private int samplingGroups;

    private Builder() {}

    public Builder optUsers(int users) {
      this.users = users;
      return this;
    }

    public Builder optItems(int items) {
      this.items = items;
      return this;
    }

    public Builder optInteractionsPerUser(int interactionsPerUser) {
      this.interactionsPerUser = interactionsPerUser;
      return this;
    }

    public Builder optLatentDim(int latentDim) {
      this.latentDim = latentDim;
      return this;
    }

    public Builder optZipfExponent(double zipfExponent) {
      this.zipfExponent = zipfExponent;
      return this;
    }

    public Builder optAffinityTemperature(double affinityTemperature) {
      this.affinityTemperature = affinityTemperature;
      return this;
    }

    public Builder optTestRatio(double testRatio) {
      this.testRatio = testRatio;
      return this;
    }

    public Builder optValidationRatio(double validationRatio) {
      this.validationRatio = validationRatio;
      return this;
    }

    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder optItemFeatures(boolean itemFeatures) {
      this.itemFeatures = itemFeatures;
      return this;
    }

    public Builder optSampling(Sampling sampling) {
      this.sampling = sampling;
      return this;
    }

    public Builder optItemClusters(int itemClusters) {
      this.itemClusters = itemClusters;
      return this;
    }

    public Builder optClusterSpread(double clusterSpread) {
      this.clusterSpread = clusterSpread;
      return this;
    }

    public Builder optSamplingGroups(int samplingGroups) {
      this.samplingGroups = samplingGroups;
      return this;
    }

    /**
     * @throws IllegalArgumentException when a value is out of range
     */
    public SyntheticConfig build() {
      return new SyntheticConfig(
          users,
          items,
          interactionsPerUser,
          latentDim,
          zipfExponent,
          affinityTemperature,
          testRatio,
          validationRatio,
          seed,
          itemFeatures,
          sampling,
          itemClusters,
          clusterSpread,
          samplingGroups);
    }
  }

  /** Reads the options (see the record components for keys, defaults and ranges). */
  public static SyntheticConfig fromOptions(Options o) {
    SyntheticConfig d = defaults();
    int users = o.getInt("users", d.users(), 1, 10_000_000);
    int items = o.getInt("items", d.items(), 2, 10_000_000);
    int perUser = o.getInt("interactions-per-user", d.interactionsPerUser(), 2, 100_000);
    int dim = o.getInt("latent-dim", d.latentDim(), 1, 1024);
    double zipf = o.getDouble("zipf-exponent", d.zipfExponent(), 0.0, 5.0);
    double temperature = o.getDouble("affinity-temperature", d.affinityTemperature(), 0.001, 1000);
    double test = o.getDouble("test-ratio", d.testRatio(), 0.01, 0.9);
    double validation = o.getDouble("validation-ratio", d.validationRatio(), 0.0, 0.9);
    long seed = o.getLong("seed", d.seed(), Long.MIN_VALUE, Long.MAX_VALUE);
    boolean itemFeatures = o.getBoolean("item-features", d.itemFeatures());
    // no declared defaults (off when unset), for the same reason as sampling below
    int itemClusters = (int) optionalNumber(o, "item-clusters", 0, 0, 10_000_000, true);
    double clusterSpread = optionalNumber(o, "cluster-spread", 0.3, 0, 10, false);
    // k-means costs items x groups x latent-dim per pass: a cap keeps it within minutes
    int samplingGroups =
        (int) optionalNumber(o, "sampling-groups", 0, 0, MAX_SAMPLING_GROUPS, true);
    // no declared default (auto when unset), so that the resolved options (a run's config.yaml
    // and its checkpoint fingerprint) of a configuration without the key stay what they were
    String samplingName = o.getString("sampling", null);
    if (samplingName == null) {
      samplingName = "auto";
    }
    Sampling sampling;
    try {
      sampling = Sampling.valueOf(samplingName.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          o.keyPath("sampling"),
          "must be auto, scan, rejection, clustered or grouped, got '" + samplingName + "'");
    }
    if (itemClusters > items) {
      throw new ConfigException(
          o.keyPath("item-clusters"), "must be <= items (" + items + "), got " + itemClusters);
    }
    if (sampling == Sampling.CLUSTERED && itemClusters == 0) {
      throw new ConfigException(
          o.keyPath("sampling"), "clustered needs item-clusters > 0 (e.g. item-clusters: 1000)");
    }
    if (samplingGroups > items) {
      throw new ConfigException(
          o.keyPath("sampling-groups"), "must be <= items (" + items + "), got " + samplingGroups);
    }
    if (samplingGroups > 0 && sampling != Sampling.GROUPED) {
      throw new ConfigException(
          o.keyPath("sampling-groups"),
          "is read by sampling: grouped only; set sampling: grouped or leave sampling-groups out");
    }
    if (perUser > items) {
      throw new ConfigException(
          o.keyPath("interactions-per-user"), "must be <= items (" + items + "), got " + perUser);
    }
    if ((long) Math.max(users, items) * dim > Integer.MAX_VALUE - 8) {
      // the latent factors are held in one array per side
      throw new ConfigException(
          o.keyPath("latent-dim"),
          "max(users, items) x latent-dim must stay below 2^31, got "
              + (long) Math.max(users, items) * dim);
    }
    if ((long) users * perUser > 1_000_000_000L) {
      throw new ConfigException(
          o.keyPath("users"),
          "users x interactions-per-user must stay below 1e9, got " + (long) users * perUser);
    }
    SyntheticConfig config =
        builder()
            .optUsers(users)
            .optItems(items)
            .optInteractionsPerUser(perUser)
            .optLatentDim(dim)
            .optZipfExponent(zipf)
            .optAffinityTemperature(temperature)
            .optTestRatio(test)
            .optValidationRatio(validation)
            .optSeed(seed)
            .optItemFeatures(itemFeatures)
            .optSampling(sampling)
            .optItemClusters(itemClusters)
            .optClusterSpread(clusterSpread)
            .optSamplingGroups(samplingGroups)
            .build();
    try {
      SyntheticGenerator.resolve(config); // refuses a hopeless rejection before generating
    } catch (IllegalArgumentException e) {
      throw new ConfigException(o.keyPath("sampling"), e.getMessage());
    }
    return config;
  }

  /** A number read without declaring a default (so it is absent from the resolved options). */
  private static double optionalNumber(
      Options o, String key, double absent, double min, double max, boolean integer) {
    String text = o.getString(key, null);
    if (text == null) {
      return absent;
    }
    double x;
    try {
      String t = text.trim().replace("_", "");
      x = integer ? Long.parseLong(t) : Double.parseDouble(t);
    } catch (NumberFormatException e) {
      throw new ConfigException(
          o.keyPath(key), "expected " + (integer ? "an integer" : "a number") + ", got " + text);
    }
    if (!(x >= min && x <= max)) {
      throw new ConfigException(
          o.keyPath(key), "must be in [" + min + ", " + max + "], got " + text);
    }
    return x;
  }

  /**
   * The options as resolved, for the manifest and the cache key; {@code sampling} as the method
   * {@code auto} resolves to, and only when it is not {@code scan} (with {@code grouped}, also the
   * number of groups), so that the cache key (and cached data) of every dataset generated before
   * the option existed stays the same.
   */
  public Map<String, Object> resolvedOptions() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("users", users);
    m.put("items", items);
    m.put("interactions-per-user", interactionsPerUser);
    m.put("latent-dim", latentDim);
    m.put("zipf-exponent", zipfExponent);
    m.put("affinity-temperature", affinityTemperature);
    m.put("test-ratio", testRatio);
    m.put("validation-ratio", validationRatio);
    m.put("seed", seed);
    m.put("generator-version", GENERATOR_VERSION);
    if (itemFeatures) {
      // only when on, so that the cache key (and cached data) of the default stays the same
      m.put("item-features", true);
    }
    if (itemClusters > 0) {
      // likewise only when on
      m.put("item-clusters", itemClusters);
      m.put("cluster-spread", clusterSpread);
    }
    Sampling resolved = SyntheticGenerator.resolve(this);
    if (resolved != Sampling.SCAN) {
      m.put("sampling", resolved.name().toLowerCase(java.util.Locale.ROOT));
    }
    if (resolved == Sampling.GROUPED) {
      m.put("sampling-groups", effectiveSamplingGroups());
    }
    return m;
  }
}
