package io.cbns.core.checkpoint;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads and writes arrays and primitive arrays in checkpoint streams: a tag, the shape and data
 * type, then the raw little-endian bytes. Reading checks that the stored shape and type match the
 * destination, so a checkpoint from another configuration fails with a message naming both shapes.
 */
public final class StateIo {
  private static final int ARRAY_TAG = 0x4E444152; // "NDAR"

  private StateIo() {}

  /** Writes {@code array}'s shape, type and values (copied to the host). */
  public static void writeArray(DataOutputStream out, NDArray array) throws IOException {
    requireNonNull(array, "array is null");
    out.writeInt(ARRAY_TAG);
    out.writeUTF(array.getDataType().name());
    long[] shape = array.getShape().getShape();
    out.writeInt(shape.length);
    for (long s : shape) {
      out.writeLong(s);
    }
    ByteBuffer bytes = array.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    byte[] raw = new byte[bytes.remaining()];
    bytes.get(raw);
    out.writeInt(raw.length);
    out.write(raw);
  }

  /**
   * Reads an array written by {@link #writeArray} into {@code target} in place (its identity,
   * device and gradient attachment are kept).
   *
   * @param what names the array in error messages
   */
  public static void readInto(DataInputStream in, NDArray target, String what) throws IOException {
    HostArray stored = readHost(in, what);
    stored.checkMatches(target);
    if (target.getShape().dimension() == 0) {
      throw new IOException(what + ": scalars are not supported");
    }
    try (NDManager scratch = target.getManager().newSubManager()) {
      // an indexed copy writes in place; set(Buffer) would swap the storage
      target.set(new NDIndex("0:"), stored.toArray(scratch));
    }
  }

  /** Reads an array written by {@link #writeArray} into a new array of {@code manager}. */
  public static NDArray readArray(DataInputStream in, NDManager manager, String what)
      throws IOException {
    return readHost(in, what).toArray(manager);
  }

  /** Reads an array written by {@link #writeArray} into host memory. */
  public static HostArray readHost(DataInputStream in, String what) throws IOException {
    if (in.readInt() != ARRAY_TAG) {
      throw new IOException(what + ": not an array record (corrupt or mismatched checkpoint)");
    }
    DataType type;
    try {
      type = DataType.valueOf(in.readUTF());
    } catch (IllegalArgumentException e) {
      throw new IOException(what + ": unknown data type in checkpoint", e);
    }
    int rank = in.readInt();
    if (rank < 0 || rank > 8) {
      throw new IOException(what + ": bad rank " + rank + " in checkpoint");
    }
    long[] shape = new long[rank];
    for (int i = 0; i < rank; i++) {
      shape[i] = in.readLong();
    }
    int length = in.readInt();
    long expected = new Shape(shape).size() * type.getNumOfBytes();
    if (length != expected) {
      throw new IOException(
          what + ": " + length + " bytes stored for " + type + " " + new Shape(shape));
    }
    byte[] raw = new byte[length];
    in.readFully(raw);
    return new HostArray(new Shape(shape), type, raw, what);
  }

  /**
   * An array read from a checkpoint, not yet on a device.
   *
   * @param shape its shape
   * @param type its data type
   * @param bytes its values, little-endian
   * @param what names it in error messages
   */
  public record HostArray(Shape shape, DataType type, byte[] bytes, String what) {
    public HostArray {
      requireNonNull(shape, "shape is null");
      requireNonNull(type, "type is null");
      requireNonNull(bytes, "bytes is null");
    }

    /** A new array of {@code manager} holding the values (a copy owned by the engine). */
    public NDArray toArray(NDManager manager) {
      ByteBuffer buffer = manager.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
      buffer.put(bytes);
      buffer.rewind();
      // duplicate: the engine's own copy, since the direct buffer may be reclaimed by the GC
      try (NDArray view = manager.create(buffer, shape, type)) {
        return view.duplicate();
      }
    }

    /** Checks that an array of this shape and type can replace {@code target}'s values. */
    public void checkMatches(NDArray target) throws IOException {
      if (!shape.equals(target.getShape()) || type != target.getDataType()) {
        throw new IOException(
            what
                + ": the checkpoint holds "
                + type
                + " "
                + shape
                + " but this run has "
                + target.getDataType()
                + " "
                + target.getShape()
                + " (was the configuration changed?)");
      }
    }
  }

  /** Writes a length-prefixed long array. */
  public static void writeLongs(DataOutputStream out, long[] values) throws IOException {
    out.writeInt(values.length);
    for (long v : values) {
      out.writeLong(v);
    }
  }

  /** Reads a long array written by {@link #writeLongs}, checking its length. */
  public static long[] readLongs(DataInputStream in, int expectedLength, String what)
      throws IOException {
    int n = readLength(in, expectedLength, what);
    long[] values = new long[n];
    for (int i = 0; i < n; i++) {
      values[i] = in.readLong();
    }
    return values;
  }

  /** Writes a length-prefixed double array. */
  public static void writeDoubles(DataOutputStream out, double[] values) throws IOException {
    out.writeInt(values.length);
    for (double v : values) {
      out.writeDouble(v);
    }
  }

  /** Reads a double array written by {@link #writeDoubles}, checking its length. */
  public static double[] readDoubles(DataInputStream in, int expectedLength, String what)
      throws IOException {
    int n = readLength(in, expectedLength, what);
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = in.readDouble();
    }
    return values;
  }

  /** A length prefix, checked against {@code expectedLength} (negative: any length). */
  private static int readLength(DataInputStream in, int expectedLength, String what)
      throws IOException {
    int n = in.readInt();
    if (expectedLength >= 0 && n != expectedLength) {
      throw new IOException(what + ": " + n + " values stored, " + expectedLength + " expected");
    }
    if (n < 0) {
      throw new IOException(what + ": negative length " + n);
    }
    return n;
  }
}
