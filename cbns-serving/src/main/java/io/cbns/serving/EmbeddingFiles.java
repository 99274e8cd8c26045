package io.cbns.serving;

import static java.util.Objects.requireNonNull;

import io.cbns.core.AtomicFiles;
import io.cbns.core.CbnsException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Embedding tables as Arrow IPC files (file format, with footer), ready to be loaded into an ANN
 * index (e.g. {@code pyarrow.ipc.open_file(path).read_all()}, then {@code
 * np.stack(table["embedding"].to_numpy(zero_copy_only=False))}).
 *
 * <p>Columns, no nulls: the id column ({@code item_id} or {@code user_id}, int32, the dense id),
 * {@code embedding} ({@code FixedSizeList<float32>[d]}, child field {@code value}) and, when the
 * dataset has original ids, {@code original_id} (utf8). One record batch per chunk of rows. The
 * schema's custom metadata holds what the caller passes (tower, dimension, normalisation, dataset
 * fingerprint).
 *
 * <p>Stateless; files are written atomically (a temporary sibling, then a rename).
 */
public final class EmbeddingFiles {
  /** The id column of item embeddings. */
  public static final String ITEM_ID = "item_id";

  /** The id column of user embeddings. */
  public static final String USER_ID = "user_id";

  /** The embedding column. */
  public static final String EMBEDDING = "embedding";

  /** The original id column (datasets with id maps only). */
  public static final String ORIGINAL_ID = "original_id";

  private EmbeddingFiles() {}

  /** Encodes a chunk of dense ids. */
  @FunctionalInterface
  public interface Encoder {
    /**
     * @param ids the dense ids of one chunk
     * @return {@code ids.length * dimension} floats, row-major
     */
    float[] encode(long[] ids);
  }

  /**
   * An embedding table read back.
   *
   * @param idColumn the id column's name
   * @param ids the dense ids, in file order
   * @param dimension d
   * @param values {@code ids.length * d} floats, row-major
   * @param originalIds the {@code original_id} column, or null when absent
   * @param metadata the schema's custom metadata
   */
  public record Table(
      String idColumn,
      int[] ids,
      int dimension,
      float[] values,
      List<String> originalIds,
      Map<String, String> metadata) {
    public Table {
      requireNonNull(idColumn, "idColumn is null");
      requireNonNull(ids, "ids is null");
      requireNonNull(values, "values is null");
      requireNonNull(metadata, "metadata is null");
      if ((long) ids.length * dimension != values.length) {
        throw new IllegalArgumentException("values must hold ids.length * dimension floats");
      }
    }

    /** The embedding of row {@code row}. */
    public float[] row(int row) {
      float[] out = new float[dimension];
      System.arraycopy(values, row * dimension, out, 0, dimension);
      return out;
    }
  }

  /**
   * Writes the embeddings of ids {@code 0 .. count - 1}, encoded {@code chunkSize} at a time.
   *
   * @param file the target (replaced atomically when it exists)
   * @param idColumn {@link #ITEM_ID} or {@link #USER_ID}
   * @param count the number of ids
   * @param dimension d, checked against what {@code encoder} returns
   * @param chunkSize ids per encoder call and per record batch
   * @param encoder produces the embeddings of a chunk
   * @param originalIds the original id of each dense id, or null
   * @param metadata written as the schema's custom metadata
   * @throws CbnsException when the file cannot be written or the encoder returns the wrong size
   */
  public static void write(
      Path file,
      String idColumn,
      int count,
      int dimension,
      int chunkSize,
      Encoder encoder,
      List<String> originalIds,
      Map<String, String> metadata) {
    requireNonNull(file, "file is null");
    requireNonNull(idColumn, "idColumn is null");
    requireNonNull(encoder, "encoder is null");
    requireNonNull(metadata, "metadata is null");
    if (count < 0 || dimension < 1 || chunkSize < 1) {
      throw new IllegalArgumentException("count >= 0, dimension >= 1 and chunkSize >= 1 required");
    }
    if (originalIds != null && originalIds.size() != count) {
      throw new IllegalArgumentException("originalIds must hold count entries");
    }
    Schema schema = schema(idColumn, dimension, originalIds != null, metadata);
    AtomicFiles.write(
        file,
        out -> {
          try (BufferAllocator allocator = new RootAllocator();
              VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
              ArrowFileWriter writer = new ArrowFileWriter(root, null, Channels.newChannel(out))) {
            writer.start();
            for (int start = 0; start < count; start += chunkSize) {
              int n = Math.min(chunkSize, count - start);
              long[] ids = new long[n];
              for (int i = 0; i < n; i++) {
                ids[i] = start + i;
              }
              float[] values = encoder.encode(ids);
              if (values.length != (long) n * dimension) {
                throw new CbnsException(
                    "the encoder returned "
                        + values.length
                        + " floats for "
                        + n
                        + " ids of dimension "
                        + dimension);
              }
              fill(root, start, n, dimension, values, originalIds);
              writer.writeBatch();
            }
            writer.end();
          }
        });
  }

  /**
   * Reads a file written by {@link #write}.
   *
   * @throws CbnsException naming the file when it is missing or not such a file
   */
  public static Table read(Path file) {
    requireNonNull(file, "file is null");
    try (BufferAllocator allocator = new RootAllocator();
        SeekableByteChannel channel = Files.newByteChannel(file);
        ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      Schema schema = root.getSchema();
      List<Field> fields = schema.getFields();
      if (fields.size() < 2
          || !(fields.get(1).getType() instanceof ArrowType.FixedSizeList list)
          || !EMBEDDING.equals(fields.get(1).getName())) {
        throw new CbnsException(
            file + ": not an embedding file (expected columns <id>, embedding); found " + fields);
      }
      int dimension = list.getListSize();
      String idColumn = fields.get(0).getName();
      boolean hasOriginal = fields.size() > 2 && ORIGINAL_ID.equals(fields.get(2).getName());
      List<Integer> ids = new ArrayList<>();
      List<float[]> chunks = new ArrayList<>();
      List<String> originals = hasOriginal ? new ArrayList<>() : null;
      long total = 0;
      while (reader.loadNextBatch()) {
        int n = root.getRowCount();
        IntVector idVec = (IntVector) root.getVector(0);
        FixedSizeListVector emb = (FixedSizeListVector) root.getVector(1);
        Float4Vector values = (Float4Vector) emb.getDataVector();
        float[] chunk = new float[n * dimension];
        for (int i = 0; i < n; i++) {
          ids.add(idVec.get(i));
          for (int j = 0; j < dimension; j++) {
            chunk[i * dimension + j] = values.get(i * dimension + j);
          }
          if (originals != null) {
            originals.add(
                new String(((VarCharVector) root.getVector(2)).get(i), StandardCharsets.UTF_8));
          }
        }
        chunks.add(chunk);
        total += chunk.length;
      }
      float[] all = new float[Math.toIntExact(total)];
      int at = 0;
      for (float[] c : chunks) {
        System.arraycopy(c, 0, all, at, c.length);
        at += c.length;
      }
      return new Table(
          idColumn,
          ids.stream().mapToInt(Integer::intValue).toArray(),
          dimension,
          all,
          originals,
          Map.copyOf(schema.getCustomMetadata() == null ? Map.of() : schema.getCustomMetadata()));
    } catch (IOException | RuntimeException e) {
      if (e instanceof CbnsException c) {
        throw c;
      }
      throw new CbnsException(file + ": cannot read embeddings: " + e, e);
    }
  }

  private static Schema schema(
      String idColumn, int dimension, boolean originalIds, Map<String, String> metadata) {
    List<Field> fields = new ArrayList<>();
    fields.add(new Field(idColumn, FieldType.notNullable(new ArrowType.Int(32, true)), null));
    Field value =
        new Field(
            "value",
            FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
            null);
    fields.add(
        new Field(
            EMBEDDING,
            FieldType.notNullable(new ArrowType.FixedSizeList(dimension)),
            List.of(value)));
    if (originalIds) {
      fields.add(new Field(ORIGINAL_ID, FieldType.notNullable(ArrowType.Utf8.INSTANCE), null));
    }
    return new Schema(fields, metadata);
  }

  private static void fill(
      VectorSchemaRoot root,
      int start,
      int n,
      int dimension,
      float[] values,
      List<String> originalIds) {
    for (FieldVector v : root.getFieldVectors()) {
      v.reset();
    }
    IntVector ids = (IntVector) root.getVector(0);
    FixedSizeListVector emb = (FixedSizeListVector) root.getVector(1);
    Float4Vector data = (Float4Vector) emb.getDataVector();
    for (int i = 0; i < n; i++) {
      ids.setSafe(i, start + i);
      emb.setNotNull(i);
    }
    for (int i = 0; i < values.length; i++) {
      data.setSafe(i, values[i]);
    }
    if (originalIds != null) {
      VarCharVector original = (VarCharVector) root.getVector(2);
      for (int i = 0; i < n; i++) {
        original.setSafe(i, originalIds.get(start + i).getBytes(StandardCharsets.UTF_8));
      }
    }
    root.setRowCount(n);
  }
}
