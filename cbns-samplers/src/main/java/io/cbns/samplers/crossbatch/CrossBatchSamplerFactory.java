package io.cbns.samplers.crossbatch;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.spi.SamplerFactory;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sampler.name: cross-batch}. Options (all read, whichever apply):
 *
 * <ul>
 *   <li>{@code bank-size}: M, default {@value #DEFAULT_BANK_SIZE}, in [0, 10^8]; 0 is in-batch
 *   <li>{@code mode}: {@code auto} (default), {@code embeddings} or {@code ids}, see {@link
 *       BankMode}; {@code auto} is {@code ids} when the towers declare item re-encoding cheap
 *       ({@link SamplerContext#cheapItemReencoding()}: id lookups), else {@code embeddings}
 *   <li>{@code warmup-steps}: an integer >= 0 (in-batch steps before the bank is used), {@code
 *       drift} (the bank switches on when the item tower's drift is small, see {@link
 *       Warmup.Drift}) or {@code auto} (default): 0 for an {@code ids} bank, which caches no
 *       embedding that could be stale, and {@code drift} for an {@code embeddings} bank
 *   <li>{@code drift-threshold}: default {@value #DEFAULT_DRIFT_THRESHOLD}, in [0, inf] (drift rule
 *       only)
 *   <li>{@code drift-interval}: steps between drift measurements, default {@value
 *       #DEFAULT_DRIFT_INTERVAL}, in [1, 10^9] (drift rule only)
 *   <li>{@code drift-probe-size}: default {@value #DEFAULT_DRIFT_PROBE_SIZE}, in [1, 10^7] (drift
 *       rule only)
 *   <li>{@code drift-probe}: {@code positives} (default) or {@code uniform}, see {@link DriftProbe}
 *       (drift rule only)
 *   <li>{@code max-warmup-steps}: the step from which the bank is used whatever the drift; default
 *       one epoch ({@link SamplerContext#stepsPerEpoch()}), in [0, inf] (drift rule only)
 * </ul>
 */
public final class CrossBatchSamplerFactory implements SamplerFactory {
  private static final Logger LOG = LoggerFactory.getLogger(CrossBatchSamplerFactory.class);

  public static final String NAME = "cross-batch";
  public static final int DEFAULT_BANK_SIZE = 3072;
  public static final String AUTO = "auto";
  public static final String DRIFT = "drift";
  public static final double DEFAULT_DRIFT_THRESHOLD = 0.05;
  public static final int DEFAULT_DRIFT_INTERVAL = 100;
  public static final int DEFAULT_DRIFT_PROBE_SIZE = 1000;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "CBNS: in-batch plus a FIFO memory bank of recent batches' item embeddings, after a"
        + " warm-up (fixed or ended by feature drift)";
  }

  @Override
  public NegativeSampler create(SamplerContext ctx, Options options) {
    int bankSize = options.getInt("bank-size", DEFAULT_BANK_SIZE, 0, 100_000_000);
    String modeName =
        options.getChoice(
            "mode",
            AUTO,
            List.of(AUTO, BankMode.EMBEDDINGS.configName(), BankMode.IDS.configName()));
    BankMode mode;
    if (modeName.equals(AUTO)) {
      mode = ctx.cheapItemReencoding() ? BankMode.IDS : BankMode.EMBEDDINGS;
      LOG.info(
          "cross-batch: bank mode auto -> {} (the item tower is {} to encode again)",
          mode.configName(),
          ctx.cheapItemReencoding() ? "cheap" : "expensive");
    } else {
      mode = BankMode.IDS.configName().equals(modeName) ? BankMode.IDS : BankMode.EMBEDDINGS;
    }
    String warmupText = options.getString("warmup-steps", AUTO);
    double threshold =
        options.getDouble("drift-threshold", DEFAULT_DRIFT_THRESHOLD, 0, Double.MAX_VALUE);
    int interval = options.getInt("drift-interval", DEFAULT_DRIFT_INTERVAL, 1, 1_000_000_000);
    int probeSize = options.getInt("drift-probe-size", DEFAULT_DRIFT_PROBE_SIZE, 1, 10_000_000);
    DriftProbe probe = choice(options, "drift-probe", DriftProbe.POSITIVES, DriftProbe::configName);
    long maxWarmup =
        options.getLong("max-warmup-steps", Math.max(1, ctx.stepsPerEpoch()), 0, Long.MAX_VALUE);

    Warmup warmup;
    String rule = warmupText.strip().toLowerCase(Locale.ROOT);
    if (rule.equals(AUTO) && mode == BankMode.IDS) {
      // an ids bank is encoded again by the current tower at every use: nothing in it is stale,
      // and on Gowalla it is as good or better without a warm-up (docs/RESULTS.md)
      warmup = Warmup.fixed(0);
      LOG.info("cross-batch: warm-up auto -> 0 steps (an ids bank holds no stale embeddings)");
    } else if (rule.equals(AUTO) || rule.equals(DRIFT)) {
      warmup = new Warmup.Drift(threshold, interval, probeSize, probe, maxWarmup);
    } else {
      warmup = Warmup.fixed(parseSteps(options, warmupText));
    }
    return CrossBatchSampler.builder()
        .setManager(ctx.manager())
        .setDimension(ctx.dimension())
        .optNumItems(ctx.numItems())
        .optBankSize(bankSize)
        .optMode(mode)
        .optWarmup(warmup)
        .optSeed(ctx.seed())
        .build();
  }

  /** Reads an enum option spelled by {@code configName}; the choices are in declaration order. */
  private static <E extends Enum<E>> E choice(
      Options options, String key, E defaultValue, Function<E, String> configName) {
    List<E> values = List.of(defaultValue.getDeclaringClass().getEnumConstants());
    String chosen =
        options.getChoice(
            key, configName.apply(defaultValue), values.stream().map(configName).toList());
    return values.stream().filter(v -> configName.apply(v).equals(chosen)).findFirst().get();
  }

  private static long parseSteps(Options options, String text) {
    long steps;
    try {
      steps = Long.parseLong(text.strip().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new ConfigException(
          options.keyPath("warmup-steps"),
          "expected a number of steps (an integer >= 0), 'auto' or 'drift', got '" + text + "'");
    }
    if (steps < 0) {
      throw new ConfigException(
          options.keyPath("warmup-steps"), "must be >= 0, 'auto' or 'drift', got " + steps);
    }
    return steps;
  }
}
