/**
 * The exported towers in ONNX Runtime: {@link io.cbns.serving.onnx.OnnxTowers} opens and checks
 * both files, {@link io.cbns.serving.onnx.TowerEncoder} turns ids into embeddings, feeding the
 * inputs a graph declares ({@link io.cbns.serving.onnx.HistoryInputs}, {@link
 * io.cbns.core.model.FeatureInputs}), with the names of {@link io.cbns.core.model.OnnxContract}.
 */
package io.cbns.serving.onnx;
