package io.cbns.samplers.crossbatch;

/** Which items the automatic warm-up measures the drift of. */
public enum DriftProbe {
  /**
   * The distinct positives of the first training steps (up to the probe size), i.e. items drawn in
   * proportion to their frequency, like the items the bank holds. The default: a uniform probe of a
   * long-tailed catalogue is dominated by rare items that barely move.
   */
  POSITIVES("positives"),
  /** Items drawn uniformly from the catalogue with the sampler's seed. */
  UNIFORM("uniform");

  private final String configName;

  DriftProbe(String configName) {
    this.configName = configName;
  }

  /** The spelling in the configuration ({@code sampler.drift-probe}). */
  public String configName() {
    return configName;
  }
}
