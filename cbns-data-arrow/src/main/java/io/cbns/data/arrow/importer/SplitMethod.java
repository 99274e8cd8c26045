package io.cbns.data.arrow.importer;

import java.util.Arrays;
import java.util.List;

/** How a source without a test split is split (and how a validation split is carved). */
public enum SplitMethod {
  /**
   * Per user, a seeded random {@code round(ratio * n)} of the user's {@code n} interactions is held
   * out, never all of them (users with one interaction keep it in train).
   */
  RATIO("ratio"),
  /**
   * Per user with at least two interactions, the one with the latest timestamp is held out (ties:
   * the one with the largest item id). Needs a timestamp column.
   */
  LEAVE_LAST_OUT("leave-last-out");

  private final String optionValue;

  SplitMethod(String optionValue) {
    this.optionValue = optionValue;
  }

  /** The value as written in options. */
  public String optionValue() {
    return optionValue;
  }

  /** Every option value, for {@link io.cbns.core.config.Options#getChoice}. */
  public static List<String> optionValues() {
    return Arrays.stream(values()).map(SplitMethod::optionValue).toList();
  }

  /** The method written {@code value} (as returned by {@code getChoice}). */
  public static SplitMethod fromOption(String value) {
    for (SplitMethod m : values()) {
      if (m.optionValue.equals(value)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown split method " + value);
  }
}
