package io.cbns.serving;

/** Which ONNX Runtime execution provider runs the towers. */
public enum Provider {
  /** CUDA when this ONNX Runtime offers it and a session can be created on GPU 0, else the CPU. */
  AUTO,
  /** The CPU. */
  CPU,
  /** CUDA on GPU 0; fails when it is not available. */
  CUDA
}
