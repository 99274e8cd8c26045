package io.cbns.spark;

import static java.util.Objects.requireNonNull;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/**
 * Scores users against a fixed item table with ONNX Runtime: a one-node graph {@code scores =
 * Gemm(users, items, transB = 1)}, {@code users [n, d]}, {@code items [numItems, d]} (a constant of
 * the graph, so the runtime can pack it once for its matrix product), {@code scores [n, numItems]}.
 * A native matrix product runs several times faster than a Java loop on the same core
 * (docs/SCALE.md).
 *
 * <p>The inputs and outputs of full chunks of {@code chunkRows} users live in direct buffers that
 * the runtime reads and writes in place, so a chunk costs the product and one copy of its scores
 * into a Java array. One intra-op thread: Spark runs one task per core. Not thread-safe; one
 * instance per task.
 */
final class ItemScorer implements AutoCloseable {
  private static final String USERS = "users";
  private static final String SCORES = "scores";

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final int numItems;
  private final int dimension;
  private final int chunkRows;
  private final FloatBuffer usersBuffer;
  private final FloatBuffer scoresBuffer;
  private final OnnxTensor usersTensor;
  private final OnnxTensor scoresTensor;
  private boolean closed;

  /**
   * @param items row-major {@code [numItems, d]}
   * @param chunkRows users scored by one run of the graph, at least 1
   */
  ItemScorer(float[] items, int numItems, int dimension, int chunkRows) {
    requireNonNull(items, "items is null");
    if (numItems < 1 || dimension < 1 || (long) numItems * dimension != items.length) {
      throw new IllegalArgumentException(
          "items must hold numItems (" + numItems + ") rows of dimension " + dimension);
    }
    if (chunkRows < 1) {
      throw new IllegalArgumentException("chunkRows must be >= 1, got " + chunkRows);
    }
    this.numItems = numItems;
    this.dimension = dimension;
    this.chunkRows = chunkRows;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      this.session = env.createSession(graph(items, numItems, dimension).toByteArray(), options);
      this.usersBuffer = directFloats((long) chunkRows * dimension);
      this.scoresBuffer = directFloats((long) chunkRows * numItems);
      this.usersTensor =
          OnnxTensor.createTensor(env, usersBuffer, new long[] {chunkRows, dimension});
      this.scoresTensor =
          OnnxTensor.createTensor(env, scoresBuffer, new long[] {chunkRows, numItems});
    } catch (OrtException | RuntimeException e) {
      IllegalStateException failure =
          new IllegalStateException("ONNX Runtime could not build the scoring graph", e);
      try {
        close();
      } catch (RuntimeException closing) {
        failure.addSuppressed(closing);
      }
      throw failure;
    }
  }

  int numItems() {
    return numItems;
  }

  int chunkRows() {
    return chunkRows;
  }

  /**
   * The scores of users {@code first .. first + n - 1} of {@code users} (row-major {@code [*, d]}),
   * {@code n <= chunkRows}, into {@code scores} (row-major {@code [n, numItems]}, at least that
   * long).
   */
  void score(float[] users, int first, int n, float[] scores) {
    if (n < 1 || n > chunkRows) {
      throw new IllegalArgumentException("n must be in [1, " + chunkRows + "], got " + n);
    }
    try {
      if (n == chunkRows) {
        usersBuffer.clear();
        usersBuffer.put(users, first * dimension, n * dimension);
        session.run(Map.of(USERS, usersTensor), Map.of(SCORES, scoresTensor)).close();
        scoresBuffer.clear();
        scoresBuffer.get(scores, 0, n * numItems);
        return;
      }
      // the last chunk of a block: tensors of its own size, made for this call
      FloatBuffer in = directFloats((long) n * dimension);
      in.put(users, first * dimension, n * dimension).rewind();
      FloatBuffer out = directFloats((long) n * numItems);
      try (OnnxTensor u = OnnxTensor.createTensor(env, in, new long[] {n, dimension});
          OnnxTensor s = OnnxTensor.createTensor(env, out, new long[] {n, numItems})) {
        session.run(Map.of(USERS, u), Map.of(SCORES, s)).close();
      }
      out.clear();
      out.get(scores, 0, n * numItems);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed to score " + n + " users", e);
    }
  }

  /** Frees the native session and buffers; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (usersTensor != null) {
      usersTensor.close();
    }
    if (scoresTensor != null) {
      scoresTensor.close();
    }
    if (session != null) {
      try {
        session.close();
      } catch (OrtException e) {
        throw new IllegalStateException("ONNX Runtime could not close the scoring session", e);
      }
    }
  }

  private static OnnxMl.ModelProto graph(float[] items, int numItems, int dimension) {
    ONNXContext ctx = new ONNXContext();
    ctx.setName("user_item_scores");
    ONNXPlaceholder users = ctx.floatInput(USERS, dimension);
    var table = ctx.floatTensor("items", List.of(numItems, dimension), fb -> fb.put(items));
    ctx.operation(ONNXOperators.GEMM, List.of(users, table), "gemm", Map.of("transB", 1))
        .assignTo(ctx.floatOutput(SCORES, numItems));
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(7)
        .setProducerName("cbns")
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13))
        .setGraph(ctx.buildGraph())
        .build();
  }

  private static FloatBuffer directFloats(long n) {
    if (n * Float.BYTES > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(n + " floats do not fit in one buffer");
    }
    return ByteBuffer.allocateDirect((int) (n * Float.BYTES))
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }
}
