package io.cbns.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.cbns.core.model.RowSparseLookup;
import io.cbns.core.model.TwoTowerModel;

/** Id-embedding towers for trainer tests (the real ones live in cbns-models). */
final class TestingMfModel implements TwoTowerModel {
  private final Tables tables;
  private final NDManager manager;
  private final int dim;
  private final boolean normalize;

  TestingMfModel(NDManager parent, int users, int items, int dim) {
    this(parent, users, items, dim, false);
  }

  /** With {@code normalize}, both towers L2-normalise their outputs, as the real ones can. */
  TestingMfModel(NDManager parent, int users, int items, int dim, boolean normalize) {
    this.manager = parent.newSubManager();
    this.dim = dim;
    this.normalize = normalize;
    this.tables = new Tables(users, items, dim);
    tables.setInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
    tables.initialize(manager, DataType.FLOAT32);
    // values from a seeded host generator, so every model built with these sizes starts the same
    java.util.SplittableRandom random = new java.util.SplittableRandom(11);
    for (var entry : tables.getParameters()) {
      NDArray w = entry.getValue().getArray();
      float[] values = new float[Math.toIntExact(w.size())];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) ((random.nextDouble() - 0.5) * 0.2);
      }
      try (NDArray v = manager.create(values, w.getShape())) {
        w.set(new ai.djl.ndarray.index.NDIndex("0:"), v);
      }
    }
  }

  @Override
  public Block block() {
    return tables;
  }

  @Override
  public int dimension() {
    return dim;
  }

  @Override
  public NDArray encodeUsers(ParameterStore ps, NDArray ids, NDArray targets, boolean training) {
    return unit(rows(ps, tables.users, ids, training));
  }

  @Override
  public NDArray encodeItems(ParameterStore ps, NDArray ids, boolean training) {
    return unit(rows(ps, tables.items, ids, training));
  }

  private NDArray unit(NDArray x) {
    return normalize ? x.normalize(2, 1, 1e-12) : x;
  }

  private static NDArray rows(ParameterStore ps, Parameter p, NDArray ids, boolean training) {
    if (training && ps instanceof RowSparseLookup store) {
      return store.lookupRows(p, ids);
    }
    // the embedding op is invoked on the ids so that its result belongs to the step's manager
    NDArray weight = ps.getValue(p, ids.getDevice(), training);
    return ids.getNDArrayInternal().embedding(ids, weight, SparseFormat.DENSE).singletonOrThrow();
  }

  @Override
  public void close() {
    manager.close();
  }

  private static final class Tables extends AbstractBlock {
    final Parameter users;
    final Parameter items;

    Tables(int numUsers, int numItems, int dim) {
      users =
          addParameter(
              Parameter.builder()
                  .setName("users")
                  .setType(Parameter.Type.WEIGHT)
                  .optShape(new Shape(numUsers, dim))
                  .build());
      items =
          addParameter(
              Parameter.builder()
                  .setName("items")
                  .setType(Parameter.Type.WEIGHT)
                  .optShape(new Shape(numItems, dim))
                  .build());
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      throw new UnsupportedOperationException("use encodeUsers / encodeItems");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return inputShapes;
    }
  }
}
