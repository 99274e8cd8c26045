package io.cbns.core.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import io.cbns.core.model.TwoTowerModel;

/** A model with fixed host-side embeddings, for evaluation tests. */
final class TestingFixedModel implements TwoTowerModel {
  private final float[][] users;
  private final float[][] items;

  TestingFixedModel(float[][] users, float[][] items) {
    this.users = users;
    this.items = items;
  }

  @Override
  public Block block() {
    return new SequentialBlock();
  }

  @Override
  public int dimension() {
    return users[0].length;
  }

  @Override
  public NDArray encodeUsers(
      ParameterStore ps, NDArray userIds, NDArray targetItemIds, boolean training) {
    return rows(users, userIds);
  }

  @Override
  public NDArray encodeItems(ParameterStore ps, NDArray itemIds, boolean training) {
    return rows(items, itemIds);
  }

  private static NDArray rows(float[][] table, NDArray ids) {
    long[] idx = ids.toLongArray();
    float[][] out = new float[idx.length][];
    for (int i = 0; i < idx.length; i++) {
      out[i] = table[(int) idx[i]];
    }
    return ids.getManager().create(out);
  }

  @Override
  public void close() {}
}
