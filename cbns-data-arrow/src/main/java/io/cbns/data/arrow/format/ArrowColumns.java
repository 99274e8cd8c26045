package io.cbns.data.arrow.format;

import io.cbns.core.CbnsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Reads and writes the tables of a dataset directory as Arrow IPC files (file format, not stream).
 * Fixed-width columns move between Arrow buffers and Java primitive arrays in bulk (through {@link
 * ArrowBuf#nioBuffer}), never through per-row objects.
 *
 * <p>Every method takes the allocator to use and releases what it allocated before returning.
 * Errors name the file.
 */
public final class ArrowColumns {
  /** Rows per record batch when writing: large enough to amortise headers, small for memory. */
  static final int BATCH_ROWS = 1 << 18;

  /** Rows per bulk copy, so that byte offsets of one view always fit in an int. */
  private static final int COPY_CHUNK = 1 << 20;

  private static final ArrowType INT32 = new ArrowType.Int(32, true);
  private static final ArrowType INT64 = new ArrowType.Int(64, true);
  private static final ArrowType FLOAT32 =
      new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
  private static final ArrowType UTF8 = ArrowType.Utf8.INSTANCE;

  private static final Schema ITEM_COUNTS_SCHEMA =
      new Schema(List.of(field(DatasetLayout.ITEM_ID, INT32), field(DatasetLayout.COUNT, INT64)));
  private static final Schema ID_MAP_SCHEMA =
      new Schema(List.of(field(DatasetLayout.ID, INT32), field(DatasetLayout.ORIGINAL_ID, UTF8)));

  private ArrowColumns() {}

  /** The schema of a split file with the given optional columns. */
  public static Schema interactionSchema(boolean timestamps, boolean weights) {
    List<Field> fields = new ArrayList<>();
    fields.add(field(DatasetLayout.USER_ID, INT32));
    fields.add(field(DatasetLayout.ITEM_ID, INT32));
    if (timestamps) {
      fields.add(field(DatasetLayout.TIMESTAMP, INT64));
    }
    if (weights) {
      fields.add(field(DatasetLayout.WEIGHT, FLOAT32));
    }
    return new Schema(fields);
  }

  /** Writes a split file ({@code user_id}, {@code item_id}, optional timestamp and weight). */
  public static void writeInteractions(Path file, InteractionTable t, BufferAllocator allocator) {
    Schema schema = interactionSchema(t.hasTimestamps(), t.hasWeights());
    write(
        file,
        schema,
        t.size(),
        allocator,
        (root, off, len) -> {
          putInts((IntVector) root.getVector(DatasetLayout.USER_ID), t.userIds(), off, len);
          putInts((IntVector) root.getVector(DatasetLayout.ITEM_ID), t.itemIds(), off, len);
          if (t.hasTimestamps()) {
            BigIntVector v = (BigIntVector) root.getVector(DatasetLayout.TIMESTAMP);
            setEach(v, len, r -> v.set(r, t.timestamps()[off + r]));
          }
          if (t.hasWeights()) {
            Float4Vector v = (Float4Vector) root.getVector(DatasetLayout.WEIGHT);
            setEach(v, len, r -> v.set(r, t.weights()[off + r]));
          }
        });
  }

  /**
   * Reads a split file into primitive arrays.
   *
   * @param expectedRows the row count the manifest promises; any other count is an error
   * @param timestamps whether the manifest promises a timestamp column
   * @param weights whether the manifest promises a weight column
   */
  public static InteractionTable readInteractions(
      Path file,
      long expectedRows,
      boolean timestamps,
      boolean weights,
      BufferAllocator allocator) {
    return readInteractions(file, expectedRows, timestamps, weights, false, allocator);
  }

  /**
   * Reads a split file, or only its ids: with {@code idsOnly} the timestamp and weight columns are
   * checked against the schema but not copied (the table has neither), for readers that need the
   * pairs alone.
   */
  public static InteractionTable readInteractions(
      Path file,
      long expectedRows,
      boolean timestamps,
      boolean weights,
      boolean idsOnly,
      BufferAllocator allocator) {
    int n = checkedRows(file, expectedRows);
    int[] users = new int[n];
    int[] items = new int[n];
    long[] ts = timestamps && !idsOnly ? new long[n] : null;
    float[] ws = weights && !idsOnly ? new float[n] : null;
    read(
        file,
        interactionSchema(timestamps, weights),
        n,
        allocator,
        (root, off, len) -> {
          getInts(file, (IntVector) root.getVector(DatasetLayout.USER_ID), users, off, len);
          getInts(file, (IntVector) root.getVector(DatasetLayout.ITEM_ID), items, off, len);
          if (ts != null) {
            getValues(
                file,
                (BigIntVector) root.getVector(DatasetLayout.TIMESTAMP),
                len,
                (chunk, done, m) -> chunk.asLongBuffer().get(ts, off + done, m));
          }
          if (ws != null) {
            getValues(
                file,
                (Float4Vector) root.getVector(DatasetLayout.WEIGHT),
                len,
                (chunk, done, m) -> chunk.asFloatBuffer().get(ws, off + done, m));
          }
        });
    return new InteractionTable(users, items, ts, ws);
  }

  /** Writes the item-count file: {@code item_id} (row index) and {@code count}. */
  public static void writeItemCounts(Path file, long[] counts, BufferAllocator allocator) {
    write(
        file,
        ITEM_COUNTS_SCHEMA,
        counts.length,
        allocator,
        (root, off, len) -> {
          putRowIndex((IntVector) root.getVector(DatasetLayout.ITEM_ID), off, len);
          BigIntVector c = (BigIntVector) root.getVector(DatasetLayout.COUNT);
          setEach(c, len, r -> c.set(r, counts[off + r]));
        });
  }

  /** Reads the item-count file; row {@code k} must hold item {@code k}. */
  public static long[] readItemCounts(Path file, long expectedRows, BufferAllocator allocator) {
    int n = checkedRows(file, expectedRows);
    long[] counts = new long[n];
    read(
        file,
        ITEM_COUNTS_SCHEMA,
        n,
        allocator,
        (root, off, len) -> {
          BigIntVector c =
              (BigIntVector)
                  denseValues(
                      file, root, DatasetLayout.ITEM_ID, DatasetLayout.COUNT, "item", off, len);
          for (int r = 0; r < len; r++) {
            counts[off + r] = c.get(r);
          }
        });
    return counts;
  }

  /** Writes an id map: {@code id} (the dense id, the row index) and {@code original_id}. */
  public static void writeIdMap(Path file, String[] originals, BufferAllocator allocator) {
    write(
        file,
        ID_MAP_SCHEMA,
        originals.length,
        allocator,
        (root, off, len) -> {
          putRowIndex((IntVector) root.getVector(DatasetLayout.ID), off, len);
          VarCharVector names = (VarCharVector) root.getVector(DatasetLayout.ORIGINAL_ID);
          names.allocateNew(len);
          for (int r = 0; r < len; r++) {
            names.setSafe(r, originals[off + r].getBytes(StandardCharsets.UTF_8));
          }
          names.setValueCount(len);
        });
  }

  /** Reads an id map; row {@code k} must hold dense id {@code k}. */
  public static String[] readIdMap(Path file, long expectedRows, BufferAllocator allocator) {
    int n = checkedRows(file, expectedRows);
    String[] out = new String[n];
    read(
        file,
        ID_MAP_SCHEMA,
        n,
        allocator,
        (root, off, len) -> {
          VarCharVector names =
              (VarCharVector)
                  denseValues(
                      file, root, DatasetLayout.ID, DatasetLayout.ORIGINAL_ID, "id", off, len);
          for (int r = 0; r < len; r++) {
            out[off + r] = new String(names.get(r), StandardCharsets.UTF_8);
          }
        });
    return out;
  }

  /** Fills one record batch: rows {@code [offset, offset + length)} of the source. */
  @FunctionalInterface
  interface BatchFiller {
    void fill(VectorSchemaRoot root, int offset, int length);
  }

  /** Consumes one record batch that holds rows {@code [offset, offset + length)}. */
  @FunctionalInterface
  interface BatchConsumer {
    void accept(VectorSchemaRoot root, int offset, int length);
  }

  static void write(
      Path file, Schema schema, int rows, BufferAllocator allocator, BatchFiller filler) {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        FileChannel channel =
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
      writer.start();
      int off = 0;
      do { // an empty table still gets one (empty) batch
        int len = Math.min(BATCH_ROWS, rows - off);
        filler.fill(root, off, len);
        root.setRowCount(len);
        writer.writeBatch();
        off += len;
      } while (off < rows);
      writer.end();
      channel.force(true);
    } catch (IOException e) {
      throw new CbnsException(file + ": cannot write (" + e.getMessage() + ")", e);
    }
  }

  static void read(
      Path file, Schema expected, int rows, BufferAllocator allocator, BatchConsumer consumer) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
      VectorSchemaRoot root;
      try {
        root = reader.getVectorSchemaRoot();
      } catch (IOException | RuntimeException e) {
        throw new CbnsException(
            file
                + ": not a readable Arrow IPC file ("
                + e.getMessage()
                + "); re-create the"
                + " dataset",
            e);
      }
      checkSchema(file, expected, root.getSchema());
      long offset = 0;
      for (ArrowBlock block : reader.getRecordBlocks()) {
        reader.loadRecordBatch(block);
        int len = root.getRowCount();
        if (offset + len > rows) {
          throw new CbnsException(rowMismatch(file, "more than " + rows, rows));
        }
        consumer.accept(root, (int) offset, len);
        offset += len;
      }
      if (offset != rows) {
        throw new CbnsException(rowMismatch(file, String.valueOf(offset), rows));
      }
    } catch (NoSuchFileException e) {
      throw new CbnsException(file + ": missing (the manifest lists it); re-create the dataset", e);
    } catch (IOException | RuntimeException e) {
      if (e instanceof CbnsException ce) {
        throw ce;
      }
      throw new CbnsException(
          file + ": cannot read as Arrow IPC (" + e.getMessage() + "); re-create the dataset", e);
    }
  }

  private static String rowMismatch(Path file, String found, long expected) {
    return file
        + ": holds "
        + found
        + " rows but "
        + DatasetLayout.MANIFEST
        + " says "
        + expected
        + "; the directory was modified after it was written, re-create the dataset";
  }

  private static void checkSchema(Path file, Schema expected, Schema actual) {
    for (Field want : expected.getFields()) {
      Field have;
      try {
        have = actual.findField(want.getName());
      } catch (IllegalArgumentException e) {
        have = null;
      }
      if (have == null || !have.getType().equals(want.getType())) {
        throw new CbnsException(
            file
                + ": column '"
                + want.getName()
                + "' of type "
                + want.getType()
                + " expected, found "
                + (have == null ? "no such column" : have.getType())
                + " (columns: "
                + actual.getFields().stream().map(Field::getName).toList()
                + ")");
      }
    }
  }

  static int checkedRows(Path file, long expectedRows) {
    if (expectedRows < 0 || expectedRows > Integer.MAX_VALUE - 8) {
      throw new CbnsException(file + ": row count " + expectedRows + " out of range");
    }
    return (int) expectedRows;
  }

  static void checkNoNulls(Path file, FieldVector v) {
    if (v.getNullCount() > 0) {
      throw new CbnsException(
          file + ": column '" + v.getName() + "' has " + v.getNullCount() + " null values");
    }
  }

  /**
   * The value column of a batch of a dense-id table (item counts, id maps), after checking that
   * neither column has nulls and that the id column holds the row index: id {@code k} at row {@code
   * k}; a file that does not is corrupt.
   */
  private static FieldVector denseValues(
      Path file,
      VectorSchemaRoot root,
      String idColumn,
      String valueColumn,
      String what,
      int off,
      int len) {
    IntVector ids = (IntVector) root.getVector(idColumn);
    FieldVector values = root.getVector(valueColumn);
    checkNoNulls(file, ids);
    checkNoNulls(file, values);
    for (int r = 0; r < len; r++) {
      if (ids.get(r) != off + r) {
        throw new CbnsException(
            file
                + ": row "
                + (off + r)
                + " holds "
                + what
                + " "
                + ids.get(r)
                + ", expected "
                + (off + r)
                + " (one row per "
                + what
                + ", in id order)");
      }
    }
    return values;
  }

  /** Allocates {@code len} values of {@code v}, sets row {@code r} by {@code setRow}, counts. */
  private static void setEach(BaseFixedWidthVector v, int len, IntConsumer setRow) {
    v.allocateNew(len);
    for (int r = 0; r < len; r++) {
      setRow.accept(r);
    }
    v.setValueCount(len);
  }

  private static void putInts(IntVector v, int[] src, int off, int len) {
    setEach(v, len, r -> v.set(r, src[off + r]));
  }

  private static void putRowIndex(IntVector v, int off, int len) {
    setEach(v, len, r -> v.set(r, off + r));
  }

  /** Receives a little-endian view of values {@code [done, done + count)} of a batch's column. */
  @FunctionalInterface
  private interface ChunkCopier {
    void copy(ByteBuffer chunk, int done, int count);
  }

  /**
   * Bulk copy of the {@code len} values of a batch's fixed-width column, in views of at most {@link
   * #COPY_CHUNK} values.
   */
  private static void getValues(Path file, BaseFixedWidthVector v, int len, ChunkCopier copier) {
    checkNoNulls(file, v);
    ArrowBuf data = v.getDataBuffer();
    int width = v.getTypeWidth();
    for (int done = 0; done < len; done += COPY_CHUNK) {
      int m = Math.min(COPY_CHUNK, len - done);
      copier.copy(
          data.nioBuffer((long) done * width, m * width).order(ByteOrder.LITTLE_ENDIAN), done, m);
    }
  }

  /** Bulk copy of a batch's int32 column into {@code dst[off, off + len)}. */
  private static void getInts(Path file, IntVector v, int[] dst, int off, int len) {
    getValues(file, v, len, (chunk, done, m) -> chunk.asIntBuffer().get(dst, off + done, m));
  }

  private static Field field(String name, ArrowType type) {
    return new Field(name, FieldType.notNullable(type), null);
  }
}
