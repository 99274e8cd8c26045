package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import ai.djl.nn.Parameter;
import io.cbns.core.checkpoint.Checkpointable;
import io.cbns.core.checkpoint.StateIo;
import io.cbns.core.model.TwoTowerModel;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * A model's parameters as a checkpoint section: every initialised parameter in block order, by
 * name. Loading copies the values into the existing arrays, so gradients, optimizer state keys and
 * the arrays the towers hold stay valid.
 */
final class ModelParameters implements Checkpointable {
  private final TwoTowerModel model;

  ModelParameters(TwoTowerModel model) {
    this.model = requireNonNull(model, "model is null");
  }

  @Override
  public void saveState(DataOutputStream out) throws IOException {
    var params = model.block().getParameters();
    out.writeInt(params.size());
    for (var entry : params) {
      out.writeUTF(entry.getKey());
      StateIo.writeArray(out, entry.getValue().getArray());
    }
  }

  @Override
  public void loadState(DataInputStream in) throws IOException {
    var params = model.block().getParameters();
    int n = in.readInt();
    if (n != params.size()) {
      throw new IOException(
          "the checkpoint holds " + n + " parameters, the model has " + params.size());
    }
    for (var entry : params) {
      String name = in.readUTF();
      if (!name.equals(entry.getKey())) {
        throw new IOException(
            "the checkpoint's parameter '" + name + "' is '" + entry.getKey() + "' in this model");
      }
      Parameter p = entry.getValue();
      StateIo.readInto(in, p.getArray(), "parameter " + name);
    }
  }
}
