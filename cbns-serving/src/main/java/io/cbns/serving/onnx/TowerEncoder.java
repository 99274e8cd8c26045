package io.cbns.serving.onnx;

import static java.util.Objects.requireNonNull;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.cbns.core.CbnsException;
import io.cbns.core.data.FeatureTable;
import io.cbns.core.model.FeatureInputs;
import io.cbns.core.model.OnnxContract;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One exported tower in an ONNX Runtime session: turns dense ids into embeddings, feeding the
 * inputs the graph declares (the id, the histories of a history-pooling user tower, the feature
 * inputs of a features tower) and checking that the output is {@code float [n, d]}.
 *
 * <p>Thread-safe (ONNX Runtime sessions may run concurrently; the rest is immutable). Created and
 * closed by {@link OnnxTowers}.
 */
public final class TowerEncoder {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final Path file;
  private final String side;
  private final int count;
  private final int dimension;
  private final int batchSize;
  private final boolean readsId;
  private final FeatureTable features;
  private final HistoryInputs histories;

  TowerEncoder(
      OrtEnvironment env,
      OrtSession session,
      Path file,
      String side,
      int count,
      int dimension,
      int batchSize,
      FeatureTable features,
      HistoryInputs histories) {
    this.env = env;
    this.session = session;
    this.file = file;
    this.side = side;
    this.count = count;
    this.dimension = dimension;
    this.batchSize = batchSize;
    this.readsId = session.getInputNames().contains(side + "_id");
    this.features = features;
    this.histories = histories;
  }

  /** The ONNX file. */
  public Path file() {
    return file;
  }

  /** The number of ids this tower encodes: ids are {@code [0, count())}. */
  public int count() {
    return count;
  }

  /** The embedding dimension d. */
  public int dimension() {
    return dimension;
  }

  /**
   * Encodes {@code ids}, at most the batch size per ONNX Runtime call.
   *
   * @return {@code ids.length * d} floats, row-major
   * @throws IllegalArgumentException for an id outside {@code [0, count())}
   * @throws CbnsException when ONNX Runtime fails or returns the wrong shape
   */
  public float[] encode(long[] ids) {
    requireNonNull(ids, "ids is null");
    for (long id : ids) {
      if (id < 0 || id >= count) {
        throw new IllegalArgumentException(side + " id " + id + " outside [0, " + count + ")");
      }
    }
    if (ids.length <= batchSize) {
      return run(ids);
    }
    float[] out = new float[Math.multiplyExact(ids.length, dimension)];
    for (int start = 0; start < ids.length; start += batchSize) {
      long[] chunk = Arrays.copyOfRange(ids, start, Math.min(ids.length, start + batchSize));
      float[] e = run(chunk);
      System.arraycopy(e, 0, out, start * dimension, e.length);
    }
    return out;
  }

  /**
   * Encodes every id {@code 0 .. count() - 1}, a batch at a time.
   *
   * @return {@code count() * d} floats, row-major: row i is id i
   */
  public float[] encodeAll() {
    float[] out = new float[Math.multiplyExact(count, dimension)];
    for (int start = 0; start < count; start += batchSize) {
      int rows = Math.min(batchSize, count - start);
      long[] ids = new long[rows];
      for (int i = 0; i < rows; i++) {
        ids[i] = start + i;
      }
      float[] e = run(ids);
      System.arraycopy(e, 0, out, start * dimension, e.length);
    }
    return out;
  }

  private float[] run(long[] ids) {
    Map<String, OnnxTensor> in = new HashMap<>();
    try {
      if (readsId) {
        in.put(
            side + "_id",
            OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {ids.length}));
      }
      if (features != null) {
        for (FeatureInputs.Input x : FeatureInputs.build(side, features, ids)) {
          in.put(
              x.name(),
              x.longs() != null
                  ? OnnxTensor.createTensor(env, LongBuffer.wrap(x.longs()), x.shape())
                  : OnnxTensor.createTensor(env, FloatBuffer.wrap(x.floats()), x.shape()));
        }
      }
      if (histories != null) {
        FeatureInputs.Padded h = histories.batch(ids);
        long[] shape = {h.rows(), h.length()};
        in.put(OnnxContract.HISTORY, OnnxTensor.createTensor(env, LongBuffer.wrap(h.ids()), shape));
        in.put(
            OnnxContract.HISTORY_MASK,
            OnnxTensor.createTensor(env, FloatBuffer.wrap(h.mask()), shape));
      }
      try (OrtSession.Result r = session.run(in)) {
        return output(r, ids.length);
      }
    } catch (OrtException e) {
      throw new CbnsException(file + ": ONNX Runtime failed: " + OnnxTowers.ortMessage(e), e);
    } finally {
      in.values().forEach(OnnxTensor::close);
    }
  }

  private float[] output(OrtSession.Result r, int rows) throws OrtException {
    // a model that is not ours may return a sequence, a map or integers: say so, not crash
    if (r.size() == 0
        || !(r.get(0) instanceof OnnxTensor t)
        || t.getInfo().type != OnnxJavaType.FLOAT) {
      throw new CbnsException(
          file
              + ": the model's first output is "
              + (r.size() == 0 ? "missing" : r.get(0).getInfo())
              + ", not a float tensor of embeddings; export it again with ./cbns export-onnx");
    }
    long[] shape = t.getInfo().getShape();
    if (shape.length != 2 || shape[0] != rows || shape[1] != dimension) {
      throw new CbnsException(
          file
              + ": the model returned shape "
              + Arrays.toString(shape)
              + " for "
              + rows
              + " ids, expected ["
              + rows
              + ", "
              + dimension
              + "] (its metadata says dimension "
              + dimension
              + "); export it again with ./cbns export-onnx");
    }
    FloatBuffer fb = t.getFloatBuffer();
    float[] out = new float[fb.remaining()];
    fb.get(out);
    return out;
  }

  void close() throws OrtException {
    session.close();
  }
}
