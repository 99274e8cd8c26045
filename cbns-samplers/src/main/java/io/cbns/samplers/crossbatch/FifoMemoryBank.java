package io.cbns.samplers.crossbatch;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.cbns.core.checkpoint.Checkpointable;
import io.cbns.core.checkpoint.StateIo;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The FIFO memory bank of CBNS: the item columns of the most recent batches, preallocated once as a
 * ring buffer and written in place.
 *
 * <p><b>Storage</b> (created at construction in a sub-manager of the given manager, freed by {@link
 * #close()}, never reallocated): embeddings {@code float32 [M, d]} (only when embeddings are
 * stored), log q {@code float32 [M]}, item ids {@code int64 [M]}.
 *
 * <p><b>Enqueue</b> writes the n new rows at the write position with one in-place slice assignment
 * per array, two when they wrap around the end; the oldest rows are overwritten first. When {@code
 * n > M} only the last M rows are kept. Cost {@code O(min(n, M) * d)}, independent of M. Entries
 * are copies of the given rows, so no gradient reaches them.
 *
 * <p><b>Valid slots.</b> The bank fills from slot 0: while it is filling, exactly the slots {@code
 * [0, size())} have been written; once full, all are. The views returned by {@link #embeddings},
 * {@link #logQ} and {@link #itemIds} cover {@code [0, size())} only, so slots never written are
 * never candidates. The order of rows in a view is the slot order, not the age order (which does
 * not matter to a softmax).
 *
 * <p><b>Views</b> share storage with the bank: they are attached to the manager the caller passes
 * (close it, typically the step's, to release the handle; the storage stays), and see later
 * enqueues. Not thread-safe.
 */
public final class FifoMemoryBank implements AutoCloseable, Checkpointable {
  private final NDManager manager;
  private final int capacity;
  private final int dimension;
  private final NDArray embeddings;
  private final NDArray logQ;
  private final NDArray itemIds;
  private int writePosition;
  private int size;
  private long enqueued;

  /**
   * @param parent the manager under which the bank's own sub-manager is created
   * @param capacity M, at least 1
   * @param dimension d, at least 1
   * @param storeEmbeddings whether embeddings are kept (false: ids and log q only)
   */
  public FifoMemoryBank(NDManager parent, int capacity, int dimension, boolean storeEmbeddings) {
    requireNonNull(parent, "parent is null");
    if (capacity < 1 || dimension < 1) {
      throw new IllegalArgumentException(
          "capacity and dimension must be >= 1, got " + capacity + ", " + dimension);
    }
    this.capacity = capacity;
    this.dimension = dimension;
    this.manager = parent.newSubManager();
    this.manager.setName("cbns-memory-bank");
    this.embeddings =
        storeEmbeddings ? manager.zeros(new Shape(capacity, dimension), DataType.FLOAT32) : null;
    this.logQ = manager.zeros(new Shape(capacity), DataType.FLOAT32);
    // -1 never matches a positive: a safe value should a slot ever be read before it is written
    this.itemIds = manager.full(new Shape(capacity), -1f, DataType.INT64);
  }

  /** M, the number of slots. */
  public int capacity() {
    return capacity;
  }

  /** d. */
  public int dimension() {
    return dimension;
  }

  /** Whether embeddings are stored (false in ids mode). */
  public boolean storesEmbeddings() {
    return embeddings != null;
  }

  /** Written slots: {@code min(M, rows enqueued so far)}. */
  public int size() {
    return size;
  }

  /** Whether every slot holds an entry. */
  public boolean isFull() {
    return size == capacity;
  }

  /** The slot the next row goes to. */
  public int writePosition() {
    return writePosition;
  }

  /** Rows enqueued since construction (including those already overwritten). */
  public long enqueued() {
    return enqueued;
  }

  /**
   * Enqueues n rows, overwriting the oldest entries.
   *
   * @param rowEmbeddings {@code float32 [n, d]}, detached; ignored (may be null) when embeddings
   *     are not stored
   * @param rowLogQ {@code float32 [n]}
   * @param rowItemIds {@code int64 [n]}
   */
  public void enqueue(NDArray rowEmbeddings, NDArray rowLogQ, NDArray rowItemIds) {
    requireNonNull(rowLogQ, "rowLogQ is null");
    requireNonNull(rowItemIds, "rowItemIds is null");
    long n = rowItemIds.getShape().get(0);
    checkShape("rowItemIds", rowItemIds, new Shape(n));
    checkShape("rowLogQ", rowLogQ, new Shape(n));
    if (embeddings != null) {
      requireNonNull(rowEmbeddings, "rowEmbeddings is null");
      checkShape("rowEmbeddings", rowEmbeddings, new Shape(n, dimension));
    }
    if (n == 0) {
      return;
    }
    // short-lived arrays (row slices, dtype casts) go here and are freed before returning
    try (NDManager scratch = manager.newSubManager()) {
      long skip = Math.max(0, n - capacity);
      int count = (int) (n - skip);
      int first = Math.min(count, capacity - writePosition);
      int second = count - first;
      write(scratch, rowEmbeddings, rowLogQ, rowItemIds, skip, first, writePosition);
      if (second > 0) {
        write(scratch, rowEmbeddings, rowLogQ, rowItemIds, skip + first, second, 0);
      }
      writePosition = (writePosition + count) % capacity;
      size = Math.min(capacity, size + count);
      enqueued += n;
    }
  }

  /**
   * Embeddings of the written slots, {@code float32 [size(), d]}, a view attached to {@code m}.
   *
   * @throws IllegalStateException when embeddings are not stored
   */
  public NDArray embeddings(NDManager m) {
    if (embeddings == null) {
      throw new IllegalStateException("this bank keeps ids and log q only");
    }
    return view(m, embeddings);
  }

  /** log q of the written slots, {@code float32 [size()]}, a view attached to {@code m}. */
  public NDArray logQ(NDManager m) {
    return view(m, logQ);
  }

  /** Item ids of the written slots, {@code int64 [size()]}, a view attached to {@code m}. */
  public NDArray itemIds(NDManager m) {
    return view(m, itemIds);
  }

  /** The whole embedding storage {@code [M, d]}, or null in ids mode; for tests. */
  NDArray embeddingStorage() {
    return embeddings;
  }

  /** The whole log q storage {@code [M]}; for tests. */
  NDArray logQStorage() {
    return logQ;
  }

  /** The whole id storage {@code [M]}; for tests. */
  NDArray itemIdStorage() {
    return itemIds;
  }

  /** The bank's own manager; for tests. */
  NDManager manager() {
    return manager;
  }

  /** Writes the storage (all M slots), the write position, fill and count. */
  @Override
  public void saveState(DataOutputStream out) throws IOException {
    out.writeInt(writePosition);
    out.writeInt(size);
    out.writeLong(enqueued);
    out.writeBoolean(embeddings != null);
    if (embeddings != null) {
      StateIo.writeArray(out, embeddings);
    }
    StateIo.writeArray(out, logQ);
    StateIo.writeArray(out, itemIds);
  }

  /** Restores what {@link #saveState} wrote into this bank's storage, in place. */
  @Override
  public void loadState(DataInputStream in) throws IOException {
    int position = in.readInt();
    int filled = in.readInt();
    long count = in.readLong();
    boolean stored = in.readBoolean();
    if (position < 0 || position >= capacity || filled < 0 || filled > capacity) {
      throw new IOException(
          "memory bank position " + position + " / fill " + filled + " for capacity " + capacity);
    }
    if (stored != (embeddings != null)) {
      throw new IOException(
          "the checkpoint's memory bank "
              + (stored ? "stores" : "does not store")
              + " embeddings, this one "
              + (embeddings != null ? "does" : "does not")
              + " (was bank-mode changed?)");
    }
    if (embeddings != null) {
      StateIo.readInto(in, embeddings, "memory bank embeddings");
    }
    StateIo.readInto(in, logQ, "memory bank log q");
    StateIo.readInto(in, itemIds, "memory bank item ids");
    writePosition = position;
    size = filled;
    enqueued = count;
  }

  @Override
  public void close() {
    manager.close();
  }

  private void write(
      NDManager scratch,
      NDArray rowEmbeddings,
      NDArray rowLogQ,
      NDArray rowItemIds,
      long from,
      int count,
      int slot) {
    NDIndex rows = new NDIndex("{}:{}", from, from + count);
    NDIndex slots = new NDIndex("{}:{}", slot, slot + count);
    if (embeddings != null) {
      embeddings.set(slots, rows(scratch, rowEmbeddings, rows, DataType.FLOAT32));
    }
    logQ.set(slots, rows(scratch, rowLogQ, rows, DataType.FLOAT32));
    itemIds.set(slots, rows(scratch, rowItemIds, rows, DataType.INT64));
  }

  private static NDArray rows(NDManager scratch, NDArray source, NDIndex rows, DataType type) {
    NDArray part = source.get(scratch, rows);
    if (part.getDataType() != type) {
      part = part.toType(type, false);
    }
    // never let a graph reach the bank, whatever the caller passed
    return part.stopGradient();
  }

  private NDArray view(NDManager m, NDArray storage) {
    requireNonNull(m, "m is null");
    return storage.get(m, new NDIndex("0:{}", size));
  }

  private static void checkShape(String name, NDArray array, Shape expected) {
    if (!array.getShape().equals(expected)) {
      throw new IllegalArgumentException(
          name + " has shape " + array.getShape() + ", expected " + expected);
    }
  }
}
