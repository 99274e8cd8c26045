package io.cbns.data.arrow.importer;

import java.util.Arrays;
import java.util.List;

/**
 * What happens to a test (or validation) interaction whose user or item never occurs in the train
 * split. Such a row cannot be scored meaningfully by an id-embedding model (its embedding is never
 * trained), so dropping it is the default; either way the importer counts them.
 */
public enum UnseenPolicy {
  /** Remove the row (and count it as {@code unseen_dropped}). */
  DROP("drop"),
  /** Keep the row (and count it as {@code unseen_kept}). */
  KEEP("keep");

  private final String optionValue;

  UnseenPolicy(String optionValue) {
    this.optionValue = optionValue;
  }

  /** The value as written in options. */
  public String optionValue() {
    return optionValue;
  }

  /** Every option value, for {@link io.cbns.core.config.Options#getChoice}. */
  public static List<String> optionValues() {
    return Arrays.stream(values()).map(UnseenPolicy::optionValue).toList();
  }

  /** The policy written {@code value} (as returned by {@code getChoice}). */
  public static UnseenPolicy fromOption(String value) {
    for (UnseenPolicy p : values()) {
      if (p.optionValue.equals(value)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown unseen-test policy " + value);
  }
}
