package io.cbns.data.arrow.format;

import io.cbns.core.CbnsException;
import io.cbns.core.data.FeatureTable;
import io.cbns.core.data.FeatureTable.CategoricalFeature;
import io.cbns.core.data.FeatureTable.DenseFeature;
import io.cbns.data.arrow.format.DatasetManifest.FeatureSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The Arrow IPC form of a {@link FeatureTable} ({@code item_features.arrow}, {@code
 * user_features.arrow}): one row per dense id, no nulls; per categorical feature a column {@code
 * list<int32>} (the row's ids, possibly empty), per dense feature a column {@code
 * fixed_size_list<float32>[width]}. Names, kinds, vocabulary sizes and widths are declared in the
 * manifest ({@link FeatureSpec}) and checked on read.
 *
 * <p>Stateless.
 */
public final class FeatureColumns {
  private static final ArrowType INT32 = new ArrowType.Int(32, true);
  private static final ArrowType FLOAT32 =
      new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);

  private FeatureColumns() {}

  /** The manifest declaration of {@code table}'s columns, categorical first. */
  public static List<FeatureSpec> specs(FeatureTable table) {
    List<FeatureSpec> out = new ArrayList<>();
    for (CategoricalFeature f : table.categorical()) {
      out.add(new FeatureSpec(f.name(), FeatureSpec.CATEGORICAL, f.vocabularySize()));
    }
    for (DenseFeature f : table.dense()) {
      out.add(new FeatureSpec(f.name(), FeatureSpec.DENSE, f.width()));
    }
    return out;
  }

  /** The Arrow schema of a feature file with these columns. */
  public static Schema schema(List<FeatureSpec> specs) {
    List<Field> fields = new ArrayList<>();
    for (FeatureSpec s : specs) {
      if (s.categorical()) {
        fields.add(
            new Field(
                s.name(),
                FieldType.notNullable(ArrowType.List.INSTANCE),
                List.of(new Field("item", FieldType.notNullable(INT32), null))));
      } else {
        fields.add(
            new Field(
                s.name(),
                FieldType.notNullable(new ArrowType.FixedSizeList(s.size())),
                List.of(new Field("item", FieldType.notNullable(FLOAT32), null))));
      }
    }
    return new Schema(fields);
  }

  /** Writes {@code table} to {@code file} (which must not exist). */
  public static void write(Path file, FeatureTable table, BufferAllocator allocator) {
    ArrowColumns.write(
        file,
        schema(specs(table)),
        table.numRows(),
        allocator,
        (root, off, len) -> {
          for (CategoricalFeature f : table.categorical()) {
            ListVector lv = (ListVector) root.getVector(f.name());
            lv.clear();
            lv.allocateNew();
            IntVector data = (IntVector) lv.getDataVector();
            int base = f.offsets()[off];
            int count = f.offsets()[off + len] - base;
            data.allocateNew(Math.max(count, 1));
            for (int j = 0; j < count; j++) {
              data.set(j, f.ids()[base + j]);
            }
            for (int r = 0; r < len; r++) {
              lv.startNewValue(r);
              lv.endValue(r, f.rowLength(off + r));
            }
            lv.setValueCount(len);
          }
          for (DenseFeature f : table.dense()) {
            FixedSizeListVector fv = (FixedSizeListVector) root.getVector(f.name());
            fv.clear();
            fv.allocateNew();
            Float4Vector data = (Float4Vector) fv.getDataVector();
            int w = f.width();
            data.allocateNew(Math.max(len * w, 1));
            for (int j = 0; j < len * w; j++) {
              data.set(j, f.values()[off * w + j]);
            }
            for (int r = 0; r < len; r++) {
              fv.setNotNull(r);
            }
            fv.setValueCount(len);
          }
        });
  }

  /**
   * Reads a feature file and checks it against its declaration.
   *
   * @param file the file
   * @param expectedRows the number of rows (the entity count)
   * @param specs the columns the manifest declares
   * @throws CbnsException naming the file when a column is missing or of another type, a value is
   *     null, an id is outside its vocabulary or a dense value is not finite
   */
  public static FeatureTable read(
      Path file, long expectedRows, List<FeatureSpec> specs, BufferAllocator allocator) {
    int n = ArrowColumns.checkedRows(file, expectedRows);
    int[][] offsets = new int[specs.size()][];
    IntBuffer[] ids = new IntBuffer[specs.size()];
    float[][] dense = new float[specs.size()][];
    for (int k = 0; k < specs.size(); k++) {
      if (specs.get(k).categorical()) {
        offsets[k] = new int[n + 1];
        ids[k] = new IntBuffer();
      } else {
        dense[k] = new float[Math.multiplyExact(n, specs.get(k).size())];
      }
    }
    ArrowColumns.read(
        file,
        schema(specs),
        n,
        allocator,
        (root, off, len) -> {
          for (int k = 0; k < specs.size(); k++) {
            FeatureSpec s = specs.get(k);
            FieldVector v = root.getVector(s.name());
            ArrowColumns.checkNoNulls(file, v);
            if (s.categorical()) {
              ListVector lv = (ListVector) v;
              if (!(lv.getDataVector() instanceof IntVector data)) {
                throw new CbnsException(
                    file
                        + ": column '"
                        + s.name()
                        + "' must be list<int32>, found "
                        + v.getField());
              }
              ArrowColumns.checkNoNulls(file, data);
              for (int r = 0; r < len; r++) {
                int from = lv.getOffsetBuffer().getInt((long) r * ListVector.OFFSET_WIDTH);
                int to = lv.getOffsetBuffer().getInt((long) (r + 1) * ListVector.OFFSET_WIDTH);
                for (int j = from; j < to; j++) {
                  ids[k].add(data.get(j));
                }
                offsets[k][off + r + 1] = ids[k].size;
              }
            } else {
              FixedSizeListVector fv = (FixedSizeListVector) v;
              if (!(fv.getDataVector() instanceof Float4Vector data)) {
                throw new CbnsException(
                    file
                        + ": column '"
                        + s.name()
                        + "' must be fixed_size_list<float32>, found "
                        + v.getField());
              }
              ArrowColumns.checkNoNulls(file, data);
              int w = s.size();
              for (int j = 0; j < len * w; j++) {
                dense[k][off * w + j] = data.get(j);
              }
            }
          }
        });
    List<CategoricalFeature> cats = new ArrayList<>();
    List<DenseFeature> denseFeatures = new ArrayList<>();
    try {
      for (int k = 0; k < specs.size(); k++) {
        FeatureSpec s = specs.get(k);
        if (s.categorical()) {
          cats.add(new CategoricalFeature(s.name(), s.size(), offsets[k], ids[k].toArray()));
        } else {
          denseFeatures.add(new DenseFeature(s.name(), s.size(), dense[k]));
        }
      }
      return new FeatureTable(n, cats, denseFeatures);
    } catch (IllegalArgumentException e) {
      throw new CbnsException(
          file + ": " + e.getMessage() + " (as declared in " + DatasetLayout.MANIFEST + ")", e);
    }
  }

  /** A growing int array. */
  private static final class IntBuffer {
    private int[] values = new int[16];
    private int size;

    void add(int v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, values.length * 2);
      }
      values[size++] = v;
    }

    int[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
