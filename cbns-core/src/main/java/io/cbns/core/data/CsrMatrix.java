package io.cbns.core.data;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A binary user x item matrix in compressed-sparse-row form: the items of row {@code r} are {@code
 * columns[rowOffsets[r] .. rowOffsets[r + 1])}, sorted ascending and without duplicates.
 *
 * <p>Immutable by contract: callers must not modify the arrays. Serializable, so that distributed
 * jobs (cbns-spark) can ship blocks of rows to their workers.
 */
public record CsrMatrix(int numRows, int numColumns, int[] rowOffsets, int[] columns)
    implements Serializable {
  public CsrMatrix {
    requireNonNull(rowOffsets, "rowOffsets is null");
    requireNonNull(columns, "columns is null");
    if (numRows < 0 || numColumns < 0) {
      throw new IllegalArgumentException("negative dimensions");
    }
    if (rowOffsets.length != numRows + 1) {
      throw new IllegalArgumentException(
          "rowOffsets has " + rowOffsets.length + " entries, expected " + (numRows + 1));
    }
    if (rowOffsets[0] != 0 || rowOffsets[numRows] != columns.length) {
      throw new IllegalArgumentException("rowOffsets do not span columns");
    }
  }

  /**
   * Builds a matrix from (row, column) pairs in any order; duplicate pairs are kept once.
   *
   * @throws IllegalArgumentException when an index is out of range
   */
  public static CsrMatrix fromPairs(int numRows, int numColumns, int[] rows, int[] cols) {
    return fromPairChunks(numRows, numColumns, visitor -> visitor.accept(rows, cols));
  }

  /**
   * Pairs delivered in chunks: {@link #forEach} hands each chunk's rows and columns (arrays of
   * equal length) to the visitor, in the same order every time it is called.
   */
  @FunctionalInterface
  public interface PairChunks {
    void forEach(java.util.function.BiConsumer<int[], int[]> visitor);
  }

  /**
   * Builds a matrix from pairs held in chunks (e.g. the shards of a split on disk), visiting them
   * twice (once to count each row, once to fill it) and never holding more than one chunk besides
   * the matrix itself; duplicate pairs are kept once. The same matrix as {@link #fromPairs} of the
   * chunks concatenated.
   *
   * @throws IllegalArgumentException when an index is out of range or a chunk's arrays differ in
   *     length
   */
  public static CsrMatrix fromPairChunks(int numRows, int numColumns, PairChunks chunks) {
    int[] counts = new int[numRows + 1];
    long[] total = {0};
    chunks.forEach(
        (rows, cols) -> {
          if (rows.length != cols.length) {
            throw new IllegalArgumentException("rows and cols differ in length");
          }
          for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= numRows || cols[i] < 0 || cols[i] >= numColumns) {
              throw new IllegalArgumentException(
                  "pair ("
                      + rows[i]
                      + ", "
                      + cols[i]
                      + ") outside "
                      + numRows
                      + " x "
                      + numColumns);
            }
            counts[rows[i] + 1]++;
          }
          total[0] += rows.length;
        });
    if (total[0] > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(total[0] + " pairs are more than one matrix holds");
    }
    for (int r = 0; r < numRows; r++) {
      counts[r + 1] += counts[r];
    }
    int[] fill = Arrays.copyOf(counts, numRows);
    int[] data = new int[(int) total[0]];
    chunks.forEach(
        (rows, cols) -> {
          for (int i = 0; i < rows.length; i++) {
            int at = fill[rows[i]]++;
            if (at >= counts[rows[i] + 1]) {
              throw new IllegalStateException("the chunks changed between the two visits");
            }
            data[at] = cols[i];
          }
        });
    for (int r = 0; r < numRows; r++) {
      if (fill[r] != counts[r + 1]) {
        throw new IllegalStateException("the chunks changed between the two visits");
      }
    }
    // sort each row and drop duplicates, compacting in place
    int[] offsets = new int[numRows + 1];
    int w = 0;
    for (int r = 0; r < numRows; r++) {
      int start = counts[r];
      int end = counts[r + 1];
      Arrays.sort(data, start, end);
      offsets[r] = w;
      for (int i = start; i < end; i++) {
        if (i == start || data[i] != data[i - 1]) {
          data[w++] = data[i];
        }
      }
    }
    offsets[numRows] = w;
    return new CsrMatrix(
        numRows, numColumns, offsets, w == data.length ? data : Arrays.copyOf(data, w));
  }

  /**
   * The pairs stored in this matrix or in {@code other} (each once), a matrix of the same shape.
   *
   * @throws IllegalArgumentException when the shapes differ
   */
  public CsrMatrix union(CsrMatrix other) {
    checkSameShape(other);
    int[] offsets = new int[numRows + 1];
    int[] merged = new int[columns.length + other.columns.length];
    int w = 0;
    for (int r = 0; r < numRows; r++) {
      int a = rowOffsets[r];
      int aEnd = rowOffsets[r + 1];
      int b = other.rowOffsets[r];
      int bEnd = other.rowOffsets[r + 1];
      // both rows are sorted and duplicate-free: a merge keeps the result so
      while (a < aEnd || b < bEnd) {
        int next;
        if (b == bEnd || (a < aEnd && columns[a] < other.columns[b])) {
          next = columns[a++];
        } else if (a == aEnd || other.columns[b] < columns[a]) {
          next = other.columns[b++];
        } else {
          next = columns[a++];
          b++;
        }
        merged[w++] = next;
      }
      offsets[r + 1] = w;
    }
    return new CsrMatrix(numRows, numColumns, offsets, Arrays.copyOf(merged, w));
  }

  /** The pairs of this matrix that {@code other} does not hold, a matrix of the same shape. */
  public CsrMatrix minus(CsrMatrix other) {
    checkSameShape(other);
    int[] offsets = new int[numRows + 1];
    int[] kept = new int[columns.length];
    int w = 0;
    for (int r = 0; r < numRows; r++) {
      for (int i = rowOffsets[r]; i < rowOffsets[r + 1]; i++) {
        if (!other.contains(r, columns[i])) {
          kept[w++] = columns[i];
        }
      }
      offsets[r + 1] = w;
    }
    return new CsrMatrix(numRows, numColumns, offsets, Arrays.copyOf(kept, w));
  }

  private void checkSameShape(CsrMatrix other) {
    requireNonNull(other, "other is null");
    if (other.numRows != numRows || other.numColumns != numColumns) {
      throw new IllegalArgumentException(
          "shapes differ: "
              + numRows
              + " x "
              + numColumns
              + " and "
              + other.numRows
              + " x "
              + other.numColumns);
    }
  }

  /** Number of stored (row, column) pairs. */
  public int nonZeros() {
    return columns.length;
  }

  /** Number of items in row {@code r}. */
  public int rowLength(int r) {
    return rowOffsets[r + 1] - rowOffsets[r];
  }

  /** Whether the pair (r, c) is stored (binary search in the row). */
  public boolean contains(int r, int c) {
    return Arrays.binarySearch(columns, rowOffsets[r], rowOffsets[r + 1], c) >= 0;
  }

  /** A copy of row {@code r}'s columns. */
  public int[] row(int r) {
    return Arrays.copyOfRange(columns, rowOffsets[r], rowOffsets[r + 1]);
  }

  /** Number of non-empty rows. */
  public int nonEmptyRows() {
    int n = 0;
    for (int r = 0; r < numRows; r++) {
      if (rowOffsets[r + 1] > rowOffsets[r]) {
        n++;
      }
    }
    return n;
  }

  /** Per-column counts (how often each column occurs). */
  public long[] columnCounts() {
    long[] counts = new long[numColumns];
    for (int c : columns) {
      counts[c]++;
    }
    return counts;
  }
}
