package io.cbns.serving;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Translates between the ids people type and print and the dense ids {@code [0, size)} the towers
 * use. A dataset imported from string (or remapped) ids keeps its original ids ({@code
 * user_ids.arrow}, {@code item_ids.arrow}); then those are what {@link #parse} accepts and {@link
 * #format} prints. Otherwise the dense ids are the ids.
 *
 * <p>Immutable and thread-safe.
 */
public final class IdMap {
  private final String kind;
  private final int size;
  private final List<String> originals;
  private final Map<String, Integer> index;

  private IdMap(String kind, int size, List<String> originals) {
    this.kind = kind;
    this.size = size;
    this.originals = originals;
    if (originals == null) {
      this.index = null;
    } else {
      Map<String, Integer> m = new HashMap<>(originals.size() * 2);
      for (int i = 0; i < originals.size(); i++) {
        m.put(originals.get(i), i);
      }
      this.index = m;
    }
  }

  /**
   * @param kind {@code user} or {@code item}, for messages
   * @param size the number of dense ids
   * @param originals the original id of each dense id, when the dataset has them
   */
  public static IdMap of(String kind, int size, Optional<List<String>> originals) {
    requireNonNull(kind, "kind is null");
    requireNonNull(originals, "originals is null");
    List<String> o = originals.orElse(null);
    if (o != null && o.size() != size) {
      throw new IllegalArgumentException(
          kind + " id map has " + o.size() + " entries for " + size + " ids");
    }
    return new IdMap(kind, size, o);
  }

  /** Whether ids are the dataset's original ids rather than the dense ones. */
  public boolean hasOriginalIds() {
    return originals != null;
  }

  /** The number of ids. */
  public int size() {
    return size;
  }

  /**
   * The dense id of {@code text}.
   *
   * @throws CbnsException for an id the dataset does not have
   */
  public int parse(String text) {
    requireNonNull(text, "text is null");
    String id = text.strip();
    if (index != null) {
      Integer dense = index.get(id);
      if (dense == null) {
        throw new CbnsException(
            "unknown "
                + kind
                + " id '"
                + id
                + "': the dataset has no such "
                + kind
                + " (its "
                + size
                + " "
                + kind
                + " ids are the original ids, e.g. '"
                + originals.get(0)
                + "')");
      }
      return dense;
    }
    long value;
    try {
      value = Long.parseLong(id);
    } catch (NumberFormatException e) {
      throw new CbnsException(
          "unknown " + kind + " id '" + id + "': " + range() + " (this dataset has no id map)");
    }
    if (value < 0 || value >= size) {
      throw new CbnsException("unknown " + kind + " id " + value + ": " + range());
    }
    return (int) value;
  }

  /** The printed form of dense id {@code id}. */
  public String format(int id) {
    return originals == null ? Integer.toString(id) : originals.get(id);
  }

  private String range() {
    return "this dataset's " + kind + " ids are 0.." + (size - 1);
  }
}
