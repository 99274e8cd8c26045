package io.cbns.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cbns.core.train.StepInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TestProcessMemory {
  @Test
  void readsVmRssInKibibytes() {
    List<String> status = List.of("Name:\tjava", "VmPeak:\t 9000 kB", "VmRSS:\t  123456 kB");
    assertThat(ProcessMemory.parseResidentBytes(status)).isEqualTo(123456L * 1024);
    assertThat(ProcessMemory.parseResidentBytes(List.of("Name:\tjava"))).isEqualTo(-1);
  }

  @Test
  void samplesThisProcess() {
    ProcessMemory.Sample s = ProcessMemory.sample();
    assertThat(s.heapUsedBytes()).isPositive();
    if (Files.isReadable(Path.of("/proc/self/status"))) {
      assertThat(s.residentBytes()).isGreaterThan(s.heapAfterGcBytes());
    }
  }

  @Test
  void theSamplerSamplesAfterEveryNthStep() {
    MemorySampler sampler = new MemorySampler(3, false);
    for (long step = 0; step < 10; step++) {
      sampler.onStep(new StepInfo(step, 0, step, 1.0, 8, 1000));
    }
    assertThat(sampler.points()).extracting(MemorySampler.Point::steps).containsExactly(3L, 6L, 9L);
  }

  @Test
  void aCollectionBeforeTheSampleLeavesTheLiveHeap() {
    MemorySampler sampler = new MemorySampler(1, true);
    sampler.onStep(new StepInfo(0, 0, 0, 1.0, 8, 1000));
    ProcessMemory.Sample s = sampler.points().get(0).memory();
    assertThat(s.heapAfterGcBytes()).isPositive().isLessThanOrEqualTo(s.heapUsedBytes());
  }
}
