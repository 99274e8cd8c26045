package io.cbns.serving.index;

import static java.util.Objects.requireNonNull;

import io.cbns.core.data.CsrMatrix;
import java.util.Arrays;

/**
 * Items a query must not return (a user's train items): a sorted slice of an int array, shared,
 * never copied. An index skips them while it searches (see {@link ItemIndex#search}).
 *
 * <p>Immutable and thread-safe as long as nobody writes to the array.
 */
public final class Exclusion {
  /** Excludes nothing. */
  public static final Exclusion NONE = new Exclusion(new int[0], 0, 0);

  private final int[] items;
  private final int from;
  private final int to;

  private Exclusion(int[] items, int from, int to) {
    this.items = items;
    this.from = from;
    this.to = to;
  }

  /** Row {@code row} of {@code matrix} (columns sorted ascending, as every {@link CsrMatrix}). */
  public static Exclusion ofRow(CsrMatrix matrix, int row) {
    requireNonNull(matrix, "matrix is null");
    if (row < 0 || row >= matrix.numRows()) {
      throw new IllegalArgumentException("row " + row + " outside [0, " + matrix.numRows() + ")");
    }
    return new Exclusion(matrix.columns(), matrix.rowOffsets()[row], matrix.rowOffsets()[row + 1]);
  }

  /** The given items (copied and sorted). */
  public static Exclusion of(int... items) {
    int[] sorted = items.clone();
    Arrays.sort(sorted);
    return new Exclusion(sorted, 0, sorted.length);
  }

  /** The number of excluded items. */
  public int size() {
    return to - from;
  }

  /** Whether {@code item} is excluded. */
  public boolean contains(int item) {
    return from < to && Arrays.binarySearch(items, from, to, item) >= 0;
  }

  /** The {@code i}-th excluded item, ascending, {@code 0 <= i < size()}. */
  public int get(int i) {
    return items[from + i];
  }
}
