package io.cbns.benchmarks.micro;

/** JVM flags every benchmark fork needs (compile-time constants for {@code @Fork}). */
final class Forks {
  /** Arrow's memory module reads direct buffers through reflection on Java 17. */
  static final String ADD_OPENS =
      "--add-opens=java.base/java.nio=org.apache.arrow.memory.core,ALL-UNNAMED";

  /** The PyTorch natives come from the class path; never try the network. */
  static final String OFFLINE = "-Dai.djl.offline=true";

  /** One inter-op thread, as the runner configures PyTorch. */
  static final String INTEROP = "-Dai.djl.pytorch.num_interop_threads=1";

  /** Keeps the benchmark output readable. */
  static final String QUIET = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn";

  private Forks() {}
}
