package io.cbns.data.arrow.importer;

import java.util.Arrays;
import java.util.List;

/** How the ids of a delimited source become dense int ids. */
public enum IdMapping {
  /**
   * Every distinct id string gets a dense id, in sorted order of the originals (numerically when
   * every id is a decimal integer, else lexicographically); ids that end up in no split are
   * compacted away. The mapping is stored in {@code user_ids.arrow} / {@code item_ids.arrow}.
   */
  DENSE("dense"),
  /**
   * Ids are non-negative 32-bit integers used as they are; the id space is {@code [0, max + 1)} and
   * no mapping is stored.
   */
  IDENTITY("identity");

  private final String optionValue;

  IdMapping(String optionValue) {
    this.optionValue = optionValue;
  }

  /** The value as written in options. */
  public String optionValue() {
    return optionValue;
  }

  /** Every option value, for {@link io.cbns.core.config.Options#getChoice}. */
  public static List<String> optionValues() {
    return Arrays.stream(values()).map(IdMapping::optionValue).toList();
  }

  /** The mapping written {@code value} (as returned by {@code getChoice}). */
  public static IdMapping fromOption(String value) {
    for (IdMapping m : values()) {
      if (m.optionValue.equals(value)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown id mapping " + value);
  }
}
