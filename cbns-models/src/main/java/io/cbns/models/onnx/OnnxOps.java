package io.cbns.models.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;

/**
 * The opset-13 operators the towers need that {@code org.tribuo.util.onnx.ONNXOperators} lacks,
 * declared the same way (name, inputs, optional inputs, outputs, attributes) so that tribuo's
 * helpers check and build the nodes.
 */
enum OnnxOps implements ONNXOperator {
  /** {@code max(x, 0)} element-wise. */
  RELU("Relu", 1, 0, List.of()),
  /** Matrix product with numpy broadcasting over leading dimensions. */
  MATMUL("MatMul", 2, 0, List.of()),
  /** Element-wise maximum of the inputs, with broadcasting. */
  MAX("Max", ONNXAttribute.VARIADIC_INPUT, 0, List.of()),
  /** Removes size-1 dimensions; the axes are the optional second input (opset 13). */
  SQUEEZE("Squeeze", 1, 1, List.of()),
  /** L2 norm over {@code axes} (an attribute until opset 18). */
  REDUCE_L2(
      "ReduceL2",
      1,
      0,
      List.of(
          new ONNXAttribute("axes", AttributeType.INTS, false),
          new ONNXAttribute("keepdims", AttributeType.INT, false)));

  /** The opset these definitions follow. */
  static final int OPSET = 13;

  private final String opName;
  private final int numInputs;
  private final int numOptionalInputs;
  private final Map<String, ONNXAttribute> attributes;
  private final Set<String> mandatory;

  OnnxOps(String opName, int numInputs, int numOptionalInputs, List<ONNXAttribute> attributes) {
    this.opName = opName;
    this.numInputs = numInputs;
    this.numOptionalInputs = numOptionalInputs;
    Map<String, ONNXAttribute> byName = new LinkedHashMap<>();
    Set<String> required = new LinkedHashSet<>();
    for (ONNXAttribute a : attributes) {
      byName.put(a.getName(), a);
      if (a.isMandatory()) {
        required.add(a.getName());
      }
    }
    this.attributes = Collections.unmodifiableMap(byName);
    this.mandatory = Collections.unmodifiableSet(required);
  }

  @Override
  public String getOpName() {
    return opName;
  }

  @Override
  public int getNumInputs() {
    return numInputs;
  }

  @Override
  public int getNumOptionalInputs() {
    return numOptionalInputs;
  }

  @Override
  public int getNumOutputs() {
    return 1;
  }

  @Override
  public Map<String, ONNXAttribute> getAttributes() {
    return attributes;
  }

  @Override
  public Set<String> getMandatoryAttributeNames() {
    return mandatory;
  }

  @Override
  public int getOpVersion() {
    return OPSET;
  }

  /** The default ONNX domain, like tribuo's own operators. */
  @Override
  public String getOpDomain() {
    return null;
  }
}
