package io.cbns.models.tower;

import static java.util.Objects.requireNonNull;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.models.onnx.OnnxExportable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Base of the towers in this module: a {@link TwoTowerModel} that is itself the one DJL block
 * holding every parameter, so that {@link #getParameters()}, {@link #saveParameters} / {@link
 * #loadParameters} and a trainer's {@link ParameterStore} see all of them.
 *
 * <p>{@link #forward} takes {@code (userIds, itemIds)} and returns {@code (userEncodings,
 * itemEncodings)}; in training the item ids are also the targets left out of pooled histories.
 *
 * <p>Parameters are created by subclasses from seeded host arrays in a sub-manager of the context's
 * manager, which {@link #close()} frees. {@link #loadParameters} replaces the values in place (the
 * parameter arrays keep their identity, so a {@link ParameterStore} made before still works) after
 * checking that the saved model has the same tower type and shapes.
 *
 * <p>Not thread-safe.
 */
public abstract class TwoTowerBlock extends AbstractBlock implements TwoTowerModel, OnnxExportable {
  private static final byte VERSION = 1;

  /** The manager that owns the parameters; closed by {@link #close()}. */
  protected final NDManager manager;

  private final int dimension;
  private final boolean normalize;
  private final long seed;

  protected TwoTowerBlock(TowerContext ctx) {
    super(VERSION);
    requireNonNull(ctx, "ctx is null");
    this.manager = ctx.manager().newSubManager();
    this.dimension = ctx.dimension();
    this.normalize = ctx.normalize();
    this.seed = ctx.seed();
  }

  @Override
  public final TwoTowerBlock block() {
    return this;
  }

  @Override
  public final int dimension() {
    return dimension;
  }

  /** Whether both towers L2-normalise their outputs. */
  public final boolean normalize() {
    return normalize;
  }

  /** The initialisation seed. */
  public final long seed() {
    return seed;
  }

  /**
   * A one-line description of the tower type and every shape-determining option; a saved file is
   * only loaded into a model with the same description.
   */
  protected abstract String descriptor();

  /**
   * Registers a trainable parameter whose initial value is {@code values} (row-major, {@code
   * shape}).
   */
  protected final Parameter addWeight(String name, Shape shape, float[] values) {
    if (values.length != shape.size()) {
      throw new IllegalArgumentException(name + ": " + values.length + " values for " + shape);
    }
    Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
    p.setArray(manager.create(values, shape));
    return addParameter(p);
  }

  /** Marks the block initialised (all parameters set) and turns on their gradients. */
  protected final void finishInitialization() {
    initialize(manager, DataType.FLOAT32, new Shape(-1), new Shape(-1));
  }

  /** {@code x / max(||x||_2, 1e-12)} per row when normalisation is on, else {@code x}. */
  protected final NDArray maybeNormalize(NDArray x) {
    return normalize ? x.normalize(2, 1, 1e-12) : x;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray users = inputs.get(0);
    NDArray items = inputs.get(1);
    return training
        ? encodeBatch(ps, users, items, true)
        : new NDList(encodeUsers(ps, users, null, false), encodeItems(ps, items, false));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {
      new Shape(inputShapes[0].get(0), dimension), new Shape(inputShapes[1].get(0), dimension)
    };
  }

  @Override
  protected void saveMetadata(DataOutputStream os) throws IOException {
    os.writeUTF(descriptor());
    super.saveMetadata(os);
  }

  @Override
  protected void loadMetadata(byte loadVersion, DataInputStream is)
      throws IOException, MalformedModelException {
    if (loadVersion != VERSION) {
      throw new MalformedModelException(
          "unsupported parameter file version " + loadVersion + " (expected " + VERSION + ")");
    }
    String saved = is.readUTF();
    if (!saved.equals(descriptor())) {
      throw new MalformedModelException(
          "the file holds a different model: saved [" + saved + "], this [" + descriptor() + "]");
    }
    readInputShapes(is);
  }

  /**
   * Reads parameters written by {@link #saveParameters} into this model's existing parameter
   * arrays. Nothing is replaced unless the whole file reads and every shape matches.
   *
   * @param loadManager unused: values stay in the model's own manager
   */
  @Override
  public void loadParameters(NDManager loadManager, DataInputStream is)
      throws IOException, MalformedModelException {
    loadMetadata(is.readByte(), is);
    List<Parameter> targets = new ArrayList<>(getDirectParameters().values());
    try (NDManager staging = manager.newSubManager()) {
      List<NDArray> loaded = new ArrayList<>();
      for (Parameter target : targets) {
        // a throwaway Parameter parses DJL's per-parameter record (and checks the name)
        Parameter shadow =
            Parameter.builder().setName(target.getName()).setType(target.getType()).build();
        shadow.load(staging, is);
        if (!shadow.isInitialized()) {
          throw new MalformedModelException("parameter " + target.getName() + " has no value");
        }
        NDArray value = shadow.getArray();
        if (!value.getShape().equals(target.getShape())
            || value.getDataType() != DataType.FLOAT32) {
          throw new MalformedModelException(
              "parameter "
                  + target.getName()
                  + " is "
                  + value.getDataType()
                  + value.getShape()
                  + ", expected float32"
                  + target.getShape());
        }
        loaded.add(value);
      }
      for (int i = 0; i < targets.size(); i++) {
        NDArray array = targets.get(i).getArray();
        // a decoded array may wrap a Java buffer that the garbage collector frees later, and
        // toDevice to the same device returns an alias: duplicate() gives it storage of its own
        NDArray value = loaded.get(i);
        array.intern(
            value.getDevice().equals(array.getDevice())
                ? value.duplicate()
                : value.toDevice(array.getDevice(), true));
        array.setRequiresGradient(targets.get(i).requiresGradient());
      }
    }
  }

  /** The ids on the host as int64 (towers that build per-row inputs, such as histories). */
  protected static long[] hostIds(NDArray ids) {
    if (ids.getDataType() == DataType.INT64) {
      return ids.toLongArray();
    }
    try (NDArray cast = ids.toType(DataType.INT64, false)) {
      return cast.toLongArray();
    }
  }

  /** Frees the parameters. */
  @Override
  public void close() {
    manager.close();
  }
}
