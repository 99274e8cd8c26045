package io.cbns.models.tower;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.models.onnx.TowerGraph;
import java.util.ArrayList;
import java.util.List;

/**
 * A stack of fully connected layers {@code in -> hidden... -> out}: ReLU (then dropout, in
 * training) after every hidden layer, nothing after the last. Weights are {@code [out, in]} as in
 * {@code torch.nn.Linear} and ONNX {@code Gemm} with {@code transB=1}; hidden weights start from
 * He-normal values ({@code std = sqrt(2 / in)}), the last layer from {@code std = sqrt(1 / in)},
 * biases from zero.
 */
final class Mlp {
  private final List<Parameter> weights = new ArrayList<>();
  private final List<Parameter> biases = new ArrayList<>();
  private final float dropout;

  private Mlp(float dropout) {
    this.dropout = dropout;
  }

  /**
   * Adds the layers' parameters to {@code owner}, named {@code prefix_<i>_weight} and {@code
   * prefix_<i>_bias}.
   *
   * @param hidden widths of the hidden layers, possibly empty (one linear layer)
   */
  static Mlp create(
      TwoTowerBlock owner,
      String prefix,
      int in,
      List<Integer> hidden,
      int out,
      double dropout,
      long seed) {
    Mlp mlp = new Mlp((float) dropout);
    List<Integer> widths = new ArrayList<>(hidden);
    widths.add(out);
    int fanIn = in;
    for (int i = 0; i < widths.size(); i++) {
      int fanOut = widths.get(i);
      boolean last = i == widths.size() - 1;
      String name = prefix + "_" + i;
      double std = Math.sqrt((last ? 1.0 : 2.0) / fanIn);
      mlp.weights.add(
          owner.addWeight(
              name + "_weight",
              new Shape(fanOut, fanIn),
              SeededInit.normal(seed, name + "_weight", Math.multiplyExact(fanOut, fanIn), std)));
      mlp.biases.add(owner.addWeight(name + "_bias", new Shape(fanOut), new float[fanOut]));
      fanIn = fanOut;
    }
    return mlp;
  }

  /**
   * Applies the layers.
   *
   * @param x {@code float32 [n, in]}
   * @return {@code float32 [n, out]} on the manager of {@code x}
   */
  NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    for (int i = 0; i < weights.size(); i++) {
      NDArray w = ps.getValue(weights.get(i), x.getDevice(), training);
      NDArray b = ps.getValue(biases.get(i), x.getDevice(), training);
      x = x.getNDArrayInternal().linear(x, w, b).singletonOrThrow();
      if (i < weights.size() - 1) {
        x = x.getNDArrayInternal().relu();
        if (training && dropout > 0) {
          x = x.getNDArrayInternal().dropout(x, dropout, true).singletonOrThrow();
        }
      }
    }
    return x;
  }

  /** The same layers as ONNX {@code Gemm}/{@code Relu} nodes (dropout is a no-op at inference). */
  TowerGraph.Value export(TowerGraph graph, TowerGraph.Value x) {
    for (int i = 0; i < weights.size(); i++) {
      Parameter w = weights.get(i);
      Parameter b = biases.get(i);
      x =
          graph.linear(
              x,
              graph.weights(w.getName(), w.getArray()),
              graph.weights(b.getName(), b.getArray()));
      if (i < weights.size() - 1) {
        x = graph.relu(x);
      }
    }
    return x;
  }

  /**
   * The {@code hidden} option of towers with an MLP: layer widths, each in [1, 65536]; {@code [0]}
   * alone means no hidden layer (an empty list).
   */
  static List<Integer> readHiddenLayers(Options options, List<Integer> defaultValue) {
    List<Integer> hidden = options.getIntList("hidden", defaultValue, 0, 65_536);
    if (hidden.contains(0)) {
      if (hidden.size() != 1) {
        throw new ConfigException(
            options.keyPath("hidden"),
            "0 means 'no hidden layer' and must be the only entry, got " + hidden);
      }
      return List.of();
    }
    return hidden;
  }
}
