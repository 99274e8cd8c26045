package io.cbns.data.arrow.importer;

import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;

/**
 * The order in which dense ids are given to original id strings: numeric when every original of the
 * side is a decimal integer (by value, then by spelling: "7" before "007"), else lexicographic
 * ({@link String#compareTo}). Shared by the single-machine importers and the Spark importer, so
 * that both number a dataset's ids the same way.
 */
public final class IdOrder {
  private IdOrder() {}

  /** The originals sorted: {@code result[dense]} is the original of dense id {@code dense}. */
  public static String[] sorted(Collection<String> originals) {
    String[] out = originals.toArray(new String[0]);
    boolean allDigits = true;
    for (String s : out) {
      if (!isDigits(s)) {
        allDigits = false;
        break;
      }
    }
    Arrays.sort(out, comparator(allDigits));
    return out;
  }

  /** The comparator for one side, numeric when every original is a decimal integer. */
  static Comparator<String> comparator(boolean allDigits) {
    return allDigits ? IdOrder::compareNumeric : Comparator.naturalOrder();
  }

  static boolean isDigits(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** Orders decimal strings by value, then by spelling ("7" before "007"), without overflow. */
  private static int compareNumeric(String a, String b) {
    String sa = stripZeros(a);
    String sb = stripZeros(b);
    if (sa.length() != sb.length()) {
      return Integer.compare(sa.length(), sb.length());
    }
    int c = sa.compareTo(sb);
    return c != 0 ? c : a.compareTo(b);
  }

  private static String stripZeros(String s) {
    int i = 0;
    while (i < s.length() - 1 && s.charAt(i) == '0') {
      i++;
    }
    return s.substring(i);
  }
}
