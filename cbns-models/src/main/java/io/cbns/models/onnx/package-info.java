/**
 * ONNX export of the towers ({@link io.cbns.models.onnx.OnnxExporter}): one model per tower with
 * named inputs and outputs, a dynamic batch dimension and provenance metadata ({@link
 * io.cbns.models.onnx.OnnxMetadata}).
 */
package io.cbns.models.onnx;
