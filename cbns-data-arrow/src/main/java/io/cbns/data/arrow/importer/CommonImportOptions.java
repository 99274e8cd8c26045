package io.cbns.data.arrow.importer;

import static java.util.Objects.requireNonNull;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import java.util.Map;

/**
 * The options every importer reads.
 *
 * @param name the dataset name ({@code name})
 * @param unseenTest the policy for test/validation rows unseen in train ({@code unseen-test},
 *     default {@code drop})
 * @param validationRatio the fraction of each user's train interactions carved out as validation
 *     ({@code validation-ratio}, default 0 = none, at most 0.9)
 * @param seed the seed of every random split ({@code seed}, default 42; the run seed is not used,
 *     so that a dataset does not change with it)
 * @param validationSplit how validation is carved out of train ({@code validation-split}: {@code
 *     ratio}, {@code hash-ratio} or {@code leave-last-out}), or null when not given: then a test
 *     input's train is carved with {@code ratio}, and a single input's with its {@code split}
 */
public record CommonImportOptions(
    String name,
    UnseenPolicy unseenTest,
    double validationRatio,
    long seed,
    SplitMethod validationSplit) {
  public CommonImportOptions {
    requireNonNull(name, "name is null");
    requireNonNull(unseenTest, "unseenTest is null");
  }

  /** Reads the common keys of {@code o}. */
  public static CommonImportOptions read(Options o, String defaultName) {
    String name = o.getString("name", defaultName);
    if (name == null || name.isBlank()) {
      throw new ConfigException(o.keyPath("name"), "must not be empty");
    }
    UnseenPolicy unseen =
        UnseenPolicy.fromOption(
            o.getChoice(
                "unseen-test", UnseenPolicy.DROP.optionValue(), UnseenPolicy.optionValues()));
    double validation = o.getDouble("validation-ratio", 0.0, 0.0, 0.9);
    long seed = o.getLong("seed", 42, Long.MIN_VALUE, Long.MAX_VALUE);
    // no default value: a key left out stays out of the resolved options (a run's config.yaml),
    // so that the options read back (a resumed run) are the ones given
    String carve = o.getChoice("validation-split", null, SplitMethod.optionValues());
    SplitMethod validationSplit = carve == null ? null : SplitMethod.fromOption(carve);
    if (validationSplit != null && validation == 0) {
      throw new ConfigException(
          o.keyPath("validation-split"),
          "only applies with validation-ratio > 0 (no validation split is carved without one);"
              + " set validation-ratio or leave validation-split out");
    }
    return new CommonImportOptions(name.trim(), unseen, validation, seed, validationSplit);
  }

  /** The validation carve's method of a test input's train: {@code ratio} unless given. */
  SplitMethod preSplitValidation() {
    return validationSplit == null ? SplitMethod.RATIO : validationSplit;
  }

  /** Adds the resolved values to an options map for the manifest. */
  void putInto(Map<String, Object> out) {
    out.put("name", name);
    out.put("unseen-test", unseenTest.optionValue());
    out.put("validation-ratio", validationRatio);
    out.put("seed", seed);
    if (validationSplit != null) {
      // only when given, so that the options recorded for every dataset without it stay the same
      out.put("validation-split", validationSplit.optionValue());
    }
  }
}
