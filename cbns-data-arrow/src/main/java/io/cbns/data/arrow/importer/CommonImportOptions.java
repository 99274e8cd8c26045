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
 */
public record CommonImportOptions(
    String name, UnseenPolicy unseenTest, double validationRatio, long seed) {
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
    return new CommonImportOptions(name.trim(), unseen, validation, seed);
  }

  /** Adds the resolved values to an options map for the manifest. */
  void putInto(Map<String, Object> out) {
    out.put("name", name);
    out.put("unseen-test", unseenTest.optionValue());
    out.put("validation-ratio", validationRatio);
    out.put("seed", seed);
  }
}
