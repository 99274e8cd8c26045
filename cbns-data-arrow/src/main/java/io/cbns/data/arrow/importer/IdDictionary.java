package io.cbns.data.arrow.importer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Interns original id strings to provisional ids in order of first appearance, then renumbers them
 * in sorted order of the originals, so that the dense ids do not depend on the row order of the
 * file. Not thread-safe.
 */
final class IdDictionary {
  private final Map<String, Integer> ids = new HashMap<>();
  private final List<String> names = new ArrayList<>();
  private boolean allDigits = true;

  /** The provisional id of {@code original}, assigning the next one on first sight. */
  int intern(String original) {
    Integer id = ids.get(original);
    if (id != null) {
      return id;
    }
    int next = names.size();
    ids.put(original, next);
    names.add(original);
    if (allDigits && !IdOrder.isDigits(original)) {
      allDigits = false;
    }
    return next;
  }

  int size() {
    return names.size();
  }

  /**
   * The sorted renumbering.
   *
   * @param newIdOf {@code newIdOf[provisional]} is the final dense id
   * @param originals {@code originals[dense]} is the original string
   */
  record Renumbering(int[] newIdOf, String[] originals) {}

  Renumbering renumber() {
    Integer[] order = new Integer[names.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Comparator<String> cmp = IdOrder.comparator(allDigits);
    Arrays.sort(order, (a, b) -> cmp.compare(names.get(a), names.get(b)));
    int[] newIdOf = new int[order.length];
    String[] originals = new String[order.length];
    for (int rank = 0; rank < order.length; rank++) {
      newIdOf[order[rank]] = rank;
      originals[rank] = names.get(order[rank]);
    }
    return new Renumbering(newIdOf, originals);
  }
}
