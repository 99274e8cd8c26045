package io.cbns.benchmarks.e2e;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The memory of this process, as a leak check needs it: the resident set (the JVM, PyTorch's native
 * tensors and Arrow's buffers together) and the Java heap, both as used now and as left by the last
 * garbage collection (the live heap, free of garbage not yet collected).
 */
public final class ProcessMemory {
  private static final Path STATUS = Path.of("/proc/self/status");

  private ProcessMemory() {}

  /**
   * One sample.
   *
   * @param residentBytes {@code VmRSS} of {@code /proc/self/status}; -1 where there is none (not
   *     Linux)
   * @param heapUsedBytes heap in use now, garbage included
   * @param heapAfterGcBytes heap in use after the last collection of each heap pool; -1 before the
   *     first collection
   */
  public record Sample(long residentBytes, long heapUsedBytes, long heapAfterGcBytes) {}

  /** Samples now. */
  public static Sample sample() {
    long heapUsed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    return new Sample(residentBytes(), heapUsed, heapAfterGc());
  }

  /** {@code VmRSS} in bytes, or -1 when {@code /proc/self/status} cannot be read. */
  public static long residentBytes() {
    try {
      return parseResidentBytes(Files.readAllLines(STATUS));
    } catch (IOException | UnsupportedOperationException e) {
      return -1;
    }
  }

  /** {@code VmRSS} of the lines of a {@code /proc/PID/status} file, in bytes; -1 when absent. */
  static long parseResidentBytes(List<String> statusLines) {
    for (String line : statusLines) {
      if (line.startsWith("VmRSS:")) {
        String[] fields = line.substring("VmRSS:".length()).trim().split("\\s+");
        long value = Long.parseLong(fields[0]);
        return fields.length > 1 && fields[1].equalsIgnoreCase("kB") ? value * 1024 : value;
      }
    }
    return -1;
  }

  private static long heapAfterGc() {
    long total = 0;
    boolean any = false;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage afterGc = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
      if (afterGc != null) {
        total += afterGc.getUsed();
        any = true;
      }
    }
    return any ? total : -1;
  }
}
