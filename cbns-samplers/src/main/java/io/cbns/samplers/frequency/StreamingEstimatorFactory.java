package io.cbns.samplers.frequency;

import io.cbns.core.config.Options;
import io.cbns.core.frequency.FrequencyContext;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.spi.FrequencyEstimatorFactory;

/**
 * {@code frequency.name: streaming}: {@link StreamingFrequencyEstimator}. Options: {@code
 * hash-buckets} (default 2^20, in [1, 2^28]), {@code hash-functions} (default 2, in [1, 8]), {@code
 * alpha} (default 0.01, in [1e-6, 1]).
 */
public final class StreamingEstimatorFactory implements FrequencyEstimatorFactory {
  public static final String NAME = "streaming";
  public static final int DEFAULT_BUCKETS = 1 << 20;
  public static final int DEFAULT_HASH_FUNCTIONS = 2;
  public static final double DEFAULT_ALPHA = 0.01;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "q learned from the batches seen with hashed arrays (Yi et al., RecSys 2019)";
  }

  @Override
  public FrequencyEstimator create(FrequencyContext ctx, Options options) {
    int buckets = options.getInt("hash-buckets", DEFAULT_BUCKETS, 1, 1 << 28);
    int hashes =
        options.getInt(
            "hash-functions",
            DEFAULT_HASH_FUNCTIONS,
            1,
            StreamingFrequencyEstimator.MAX_HASH_FUNCTIONS);
    double alpha = options.getDouble("alpha", DEFAULT_ALPHA, 1e-6, 1.0);
    return new StreamingFrequencyEstimator(
        Math.max(1, ctx.numItems()), Math.max(1, ctx.batchSize()), buckets, hashes, alpha);
  }
}
