package io.cbns.serving;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.cbns.core.model.OnnxContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes small exported-style towers for tests: each is an embedding table looked up by id ({@code
 * Gather}), as the {@code mf} tower exports itself, with the metadata the exporter writes. The
 * expected scores are then plain dot products of the tables' rows.
 */
public final class TestingTowers {
  private TestingTowers() {}

  /** Random unit-length rows: {@code rows * d} floats. */
  public static float[] randomTable(int rows, int d, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] t = new float[rows * d];
    for (int r = 0; r < rows; r++) {
      double norm = 0;
      for (int j = 0; j < d; j++) {
        double x = random.nextDouble() * 2 - 1;
        t[r * d + j] = (float) x;
        norm += x * x;
      }
      for (int j = 0; j < d; j++) {
        t[r * d + j] = (float) (t[r * d + j] / Math.sqrt(norm));
      }
    }
    return t;
  }

  /**
   * Writes {@code user_tower.onnx} and {@code item_tower.onnx} into {@code dir}.
   *
   * @param fingerprint the dataset fingerprint to record, or null for none
   */
  public static void write(Path dir, float[] users, float[] items, int d, String fingerprint)
      throws IOException {
    Files.createDirectories(dir);
    write(
        dir.resolve(OnnxContract.USER_TOWER_FILE),
        "user",
        users,
        d,
        users.length / d,
        items.length / d,
        fingerprint);
    write(
        dir.resolve(OnnxContract.ITEM_TOWER_FILE),
        "item",
        items,
        d,
        users.length / d,
        items.length / d,
        fingerprint);
  }

  /** Writes one tower whose metadata says {@code part}. */
  public static void write(
      Path file, String part, float[] table, int d, int numUsers, int numItems, String fingerprint)
      throws IOException {
    int rows = table.length / d;
    String input = part.equals("user") ? OnnxContract.USER_ID : OnnxContract.ITEM_ID;
    String output = part.equals("user") ? OnnxContract.USER_EMBEDDING : OnnxContract.ITEM_EMBEDDING;
    TensorProto.Builder weights =
        TensorProto.newBuilder()
            .setName("table")
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .addDims(rows)
            .addDims(d);
    for (float v : table) {
      weights.addFloatData(v);
    }
    OnnxMl.GraphProto graph =
        OnnxMl.GraphProto.newBuilder()
            .setName(part + "_tower")
            .addInitializer(weights)
            .addInput(valueInfo(input, TensorProto.DataType.INT64, -1))
            .addOutput(valueInfo(output, TensorProto.DataType.FLOAT, d))
            .addNode(
                OnnxMl.NodeProto.newBuilder()
                    .setOpType("Gather")
                    .addInput("table")
                    .addInput(input)
                    .addOutput(output)
                    .addAttribute(
                        OnnxMl.AttributeProto.newBuilder()
                            .setName("axis")
                            .setType(OnnxMl.AttributeProto.AttributeType.INT)
                            .setI(0)))
            .build();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(OnnxContract.TOWER, "mf");
    meta.put(OnnxContract.PART, part);
    meta.put(OnnxContract.DIMENSION, String.valueOf(d));
    meta.put(OnnxContract.NUM_USERS, String.valueOf(numUsers));
    meta.put(OnnxContract.NUM_ITEMS, String.valueOf(numItems));
    if (fingerprint != null) {
      meta.put(OnnxContract.DATASET_FINGERPRINT, fingerprint);
    }
    OnnxMl.ModelProto.Builder model =
        OnnxMl.ModelProto.newBuilder()
            .setIrVersion(8)
            .setProducerName("cbns-tests")
            .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
            .setGraph(graph);
    meta.forEach(
        (k, v) ->
            model.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    Files.write(file, model.build().toByteArray());
  }

  private static OnnxMl.ValueInfoProto valueInfo(String name, TensorProto.DataType type, int d) {
    OnnxMl.TensorShapeProto.Builder shape =
        OnnxMl.TensorShapeProto.newBuilder()
            .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
    if (d > 0) {
      shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(type.getNumber())
                        .setShape(shape)))
        .build();
  }

  /** The exact top {@code k} of {@code query} among {@code items}, skipping {@code excluded}. */
  public static int[] bruteForce(float[] query, float[] items, int d, int k, int[] excluded) {
    int n = items.length / d;
    java.util.Set<Integer> skip = new java.util.HashSet<>();
    for (int e : excluded) {
      skip.add(e);
    }
    return java.util.stream.IntStream.range(0, n)
        .filter(i -> !skip.contains(i))
        .boxed()
        .sorted(
            (a, b) -> {
              int c = Float.compare(dot(query, items, d, b), dot(query, items, d, a));
              return c != 0 ? c : Integer.compare(a, b);
            })
        .limit(k)
        .mapToInt(Integer::intValue)
        .toArray();
  }

  /** The dot product of {@code query} with row {@code row} of {@code table}, in float. */
  public static float dot(float[] query, float[] table, int d, int row) {
    return new io.cbns.serving.index.ItemEmbeddings(table.length / d, d, table).dot(query, 0, row);
  }
}
