package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.cbns.core.checkpoint.Checkpointable;
import io.cbns.core.checkpoint.StateIo;
import io.cbns.core.model.TwoTowerModel;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A copy of a model's parameters (the best epoch's, for restore-best), kept in a sub-manager of the
 * trainer's manager on the training device; empty until the first {@link #copyFrom}. Checkpointed
 * so that a resumed run still knows its best epoch's parameters.
 */
final class ParameterSnapshot implements Checkpointable {
  private final NDManager manager;
  private final Map<String, NDArray> values = new LinkedHashMap<>();

  ParameterSnapshot(NDManager parent) {
    this.manager = requireNonNull(parent, "parent is null").newSubManager();
  }

  boolean isEmpty() {
    return values.isEmpty();
  }

  /** Replaces the snapshot with the model's current parameters. */
  void copyFrom(TwoTowerModel model) {
    clear();
    for (var entry : model.block().getParameters()) {
      NDArray copy = entry.getValue().getArray().duplicate();
      copy.attach(manager);
      values.put(entry.getKey(), copy);
    }
  }

  /** Writes the snapshot into the model's parameters, in place. */
  void copyTo(TwoTowerModel model) {
    if (values.isEmpty()) {
      throw new IllegalStateException("no snapshot taken");
    }
    for (var entry : model.block().getParameters()) {
      NDArray stored = values.get(entry.getKey());
      if (stored == null) {
        throw new IllegalStateException("the snapshot has no parameter " + entry.getKey());
      }
      entry.getValue().getArray().set(new NDIndex("0:"), stored);
    }
  }

  private void clear() {
    values.values().forEach(NDArray::close);
    values.clear();
  }

  @Override
  public void saveState(DataOutputStream out) throws IOException {
    out.writeInt(values.size());
    for (Map.Entry<String, NDArray> e : values.entrySet()) {
      out.writeUTF(e.getKey());
      StateIo.writeArray(out, e.getValue());
    }
  }

  @Override
  public void loadState(DataInputStream in) throws IOException {
    clear();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      values.put(name, StateIo.readArray(in, manager, "best-epoch parameter " + name));
    }
  }
}
