package io.cbns.models.onnx;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.cbns.core.model.OnnxContract;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXRef;

/**
 * The vocabulary a tower uses to write itself as an ONNX graph (opset 13): named inputs with a
 * dynamic {@code batch} dimension, parameter initializers, and the few operations the towers are
 * made of, each documented with the DJL computation it mirrors. Built on tribuo's {@link
 * ONNXContext}; one instance per graph, not thread-safe.
 */
public final class TowerGraph {
  /** Input of both user towers: {@code int64 [batch]}. */
  public static final String USER_ID = OnnxContract.USER_ID;

  /** Input of the item towers: {@code int64 [batch]}. */
  public static final String ITEM_ID = OnnxContract.ITEM_ID;

  /** Input of the {@code youtube-dnn} user tower: {@code int64 [batch, history_length]}. */
  public static final String HISTORY = OnnxContract.HISTORY;

  /** Input of the {@code youtube-dnn} user tower: {@code float [batch, history_length]}, 0 or 1. */
  public static final String HISTORY_MASK = OnnxContract.HISTORY_MASK;

  /** Output of the user towers: {@code float [batch, d]}. */
  public static final String USER_EMBEDDING = OnnxContract.USER_EMBEDDING;

  /** Output of the item towers: {@code float [batch, d]}. */
  public static final String ITEM_EMBEDDING = OnnxContract.ITEM_EMBEDDING;

  /** Name of the dynamic batch dimension. */
  public static final String BATCH_DIM = "batch";

  /** Name of the dynamic history dimension. */
  public static final String HISTORY_DIM = "history_length";

  private final ONNXContext ctx = new ONNXContext();
  // tribuo only declares float [batch, k] inputs; the real declarations replace them in build()
  private final Map<String, OnnxMl.ValueInfoProto> inputs = new LinkedHashMap<>();
  private final List<String> outputs = new ArrayList<>();

  TowerGraph(String name) {
    ctx.setName(requireNonNull(name, "name is null"));
  }

  /** An opaque reference to a value of the graph. */
  public static final class Value {
    private final ONNXRef<?> ref;

    private Value(ONNXRef<?> ref) {
      this.ref = ref;
    }
  }

  /** Declares an id input {@code int64 [batch]}. */
  public Value idInput(String name) {
    return input(name, TensorProto.DataType.INT64, BATCH_DIM);
  }

  /** Declares a padded history input {@code int64 [batch, history_length]}. */
  public Value historyInput(String name) {
    return input(name, TensorProto.DataType.INT64, BATCH_DIM, HISTORY_DIM);
  }

  /** Declares a history mask input {@code float [batch, history_length]}. */
  public Value maskInput(String name) {
    return input(name, TensorProto.DataType.FLOAT, BATCH_DIM, HISTORY_DIM);
  }

  /** Declares a padded id input {@code int64 [batch, lengthDim]} (a features tower input). */
  public Value paddedIdsInput(String name, String lengthDim) {
    return input(name, TensorProto.DataType.INT64, BATCH_DIM, lengthDim);
  }

  /** Declares a padding mask input {@code float [batch, lengthDim]}, 0 or 1. */
  public Value paddedMaskInput(String name, String lengthDim) {
    return input(name, TensorProto.DataType.FLOAT, BATCH_DIM, lengthDim);
  }

  /** Declares a float input {@code [batch, width]} with a fixed width. */
  public Value floatMatrixInput(String name, int width) {
    if (width < 1) {
      throw new IllegalArgumentException(name + ": width must be >= 1");
    }
    OnnxMl.TensorShapeProto shape =
        OnnxMl.TensorShapeProto.newBuilder()
            .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH_DIM))
            .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(width))
            .build();
    return declare(name, TensorProto.DataType.FLOAT, shape);
  }

  /**
   * Adds a parameter as a float initializer (its values are copied to the host).
   *
   * @param name base name (made unique in the graph)
   * @param array a {@code float32} array of any shape
   */
  public Value weights(String name, NDArray array) {
    if (array.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(name + " is " + array.getDataType() + ", not float32");
    }
    float[] values = array.toFloatArray();
    List<Integer> dims = new ArrayList<>();
    for (long d : array.getShape().getShape()) {
      dims.add(Math.toIntExact(d));
    }
    return new Value(ctx.floatTensor(name, dims, fb -> fb.put(values)));
  }

  /**
   * Adds a host table {@code [rows, width]} (row-major) as a float initializer.
   *
   * @param name base name (made unique in the graph)
   */
  public Value table(String name, float[] values, int rows, int width) {
    if ((long) rows * width != values.length) {
      throw new IllegalArgumentException(
          name + ": " + values.length + " floats are not " + rows + " rows of " + width);
    }
    return new Value(ctx.floatTensor(name, List.of(rows, width), fb -> fb.put(values)));
  }

  /** Rows of {@code table [rows, e]} at {@code ids} (any shape S): {@code [S..., e]}. */
  public Value gather(Value table, Value ids) {
    return op(ONNXOperators.GATHER, "gather", Map.of("axis", 0), table, ids);
  }

  /**
   * The masked mean over the history axis: {@code embeddings [n, L, e]} and {@code mask [n, L]}
   * give {@code [n, e]} = {@code (mask / max(sum_L mask, 1)) @ embeddings}, zero for an all-zero
   * mask. Mirrors {@link io.cbns.models.tower.HistoryBatch#meanWeights()} followed by a batched
   * matrix product.
   */
  public Value maskedMean(Value embeddings, Value mask) {
    Value axis1 = new Value(ctx.array("axis_1", new long[] {1}));
    Value count = op(ONNXOperators.REDUCE_SUM, "history_count", Map.of("keepdims", 1), mask, axis1);
    Value one = new Value(ctx.constant("one", 1.0f));
    Value weights =
        op(
            ONNXOperators.DIV,
            "history_weights",
            Map.of(),
            mask,
            op(OnnxOps.MAX, "max", count, one));
    Value rowWeights = op(ONNXOperators.UNSQUEEZE, "history_weights_3d", Map.of(), weights, axis1);
    Value pooled3d = op(OnnxOps.MATMUL, "pooled_3d", Map.of(), rowWeights, embeddings);
    return op(OnnxOps.SQUEEZE, "pooled", Map.of(), pooled3d, axis1);
  }

  /** {@code [n, a]} and {@code [n, b]} side by side: {@code [n, a + b]}. */
  public Value concat(Value left, Value right) {
    return op(ONNXOperators.CONCAT, "concat", Map.of("axis", 1), left, right);
  }

  /**
   * A fully connected layer {@code x W^T + b} ({@code Gemm} with {@code transB=1}), as {@code
   * torch.nn.functional.linear}: {@code x [n, in]}, {@code weight [out, in]}, {@code bias [out]}.
   */
  public Value linear(Value x, Value weight, Value bias) {
    return op(ONNXOperators.GEMM, "linear", Map.of("transB", 1), x, weight, bias);
  }

  /** {@code max(x, 0)}. */
  public Value relu(Value x) {
    return op(OnnxOps.RELU, "relu", Map.of(), x);
  }

  /**
   * Each row divided by {@code max(||row||_2, 1e-12)}, as {@code torch.nn.functional.normalize}
   * (and DJL's {@code NDArray.normalize(2, 1, 1e-12)}).
   */
  public Value l2Normalize(Value x) {
    Value norm = op(OnnxOps.REDUCE_L2, "norm", Map.of("axes", new int[] {1}, "keepdims", 1), x);
    Value eps = new Value(ctx.constant("eps", 1e-12f));
    return op(ONNXOperators.DIV, "normalized", Map.of(), x, op(OnnxOps.MAX, "max", norm, eps));
  }

  /** Declares {@code x} the graph output {@code name}, {@code float [batch, dim]}. */
  public void output(String name, Value x, int dim) {
    x.ref.assignTo(ctx.floatOutput(name, dim));
    outputs.add(name);
  }

  /** The finished graph with its real input declarations. */
  OnnxMl.GraphProto build() {
    if (outputs.size() != 1) {
      throw new IllegalStateException("a tower graph needs exactly one output, has " + outputs);
    }
    OnnxMl.GraphProto.Builder graph = ctx.buildGraph().toBuilder();
    graph.clearInput();
    graph.addAllInput(inputs.values());
    return graph.build();
  }

  /** The declared input names, in order. */
  List<String> inputNames() {
    return List.copyOf(inputs.keySet());
  }

  private Value input(String name, TensorProto.DataType type, String... dims) {
    OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
    for (String d : dims) {
      shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(d));
    }
    return declare(name, type, shape.build());
  }

  private Value declare(String name, TensorProto.DataType type, OnnxMl.TensorShapeProto shape) {
    if (inputs.containsKey(name)) {
      throw new IllegalStateException("input " + name + " declared twice");
    }
    OnnxMl.TypeProto typeProto =
        OnnxMl.TypeProto.newBuilder()
            .setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))
            .build();
    inputs.put(name, OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(typeProto).build());
    return new Value(ctx.floatInput(name, 1));
  }

  private Value op(ONNXOperator op, String outputName, Value... args) {
    return op(op, outputName, Map.of(), args);
  }

  private Value op(
      ONNXOperator op, String outputName, Map<String, Object> attributes, Value... args) {
    List<ONNXRef<?>> refs = new ArrayList<>();
    for (Value v : args) {
      refs.add(v.ref);
    }
    return new Value(ctx.operation(op, refs, outputName, attributes));
  }
}
