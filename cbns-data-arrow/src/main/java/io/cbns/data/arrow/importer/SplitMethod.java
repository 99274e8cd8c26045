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
   * The same per-user count as {@link #RATIO}, drawn from a random stream seeded by a hash of the
   * seed and the user's dense id: the rows held out for a user depend on that user's rows (sorted
   * by item id) and dense id, never on the rows of the users before it, so an importer that splits
   * partitions of users in parallel holds out the same rows. Dense ids come from the sorted set of
   * all ids, so adding users or items to the input can move every user's draw.
   */
  HASH_RATIO("hash-ratio"),
  /**
   * Per user with at least two interactions, the one with the latest timestamp is held out (ties:
   * the one with the largest item id). Needs a timestamp column.
   */
  LEAVE_LAST_OUT("leave-last-out"),
  /**
   * The same per-user count as {@link #RATIO}, the user's latest rows: the rows held out are those
   * with the largest timestamps (ties: the larger item id counts as later). Needs a timestamp
   * column; this is the split that matches a test set made of each user's latest interactions.
   */
  LATEST_RATIO("latest-ratio");

  private final String optionValue;

  SplitMethod(String optionValue) {
    this.optionValue = optionValue;
  }

  /**
   * Whether a fraction of each user's rows is held out ({@link #RATIO}, {@link #HASH_RATIO}, {@link
   * #LATEST_RATIO}).
   */
  public boolean byRatio() {
    return this != LEAVE_LAST_OUT;
  }

  /**
   * Whether the method reads the rows' timestamps ({@link #LEAVE_LAST_OUT}, {@link #LATEST_RATIO}).
   */
  public boolean needsTimestamps() {
    return this == LEAVE_LAST_OUT || this == LATEST_RATIO;
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
