package io.cbns.data.arrow.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.InteractionBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class TestPrefetchingBatchIterator {
  /** Counts up; throws at batch {@code failAt}; sleeps {@code sleepMs} per batch. */
  private static final class TestingSource implements Iterator<InteractionBatch> {
    final AtomicInteger produced = new AtomicInteger();
    final int total;
    final int failAt;
    final long sleepMs;

    TestingSource(int total, int failAt, long sleepMs) {
      this.total = total;
      this.failAt = failAt;
      this.sleepMs = sleepMs;
    }

    @Override
    public boolean hasNext() {
      return produced.get() < total;
    }

    @Override
    public InteractionBatch next() {
      int k = produced.getAndIncrement();
      if (k == failAt) {
        throw new IllegalStateException("disk on fire at batch " + k);
      }
      if (sleepMs > 0) {
        try {
          Thread.sleep(sleepMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return new InteractionBatch(new long[] {k}, new long[] {k});
    }
  }

  @Test
  void deliversTheSameBatchesAsTheSynchronousPath() {
    int[] users = new int[300];
    int[] items = new int[300];
    for (int r = 0; r < 300; r++) {
      users[r] = r % 7;
      items[r] = r;
    }
    BatchSpec spec = new BatchSpec(32, false, 9, 3);
    List<Long> sync = new ArrayList<>();
    new ShuffledBatches(users, items, spec, 1)
        .forEachRemaining(b -> Arrays.stream(b.itemIds()).forEach(sync::add));
    List<Long> async = new ArrayList<>();
    try (PrefetchingBatchIterator it =
        new PrefetchingBatchIterator(new ShuffledBatches(users, items, spec, 1), 3, "t")) {
      while (it.hasNext()) {
        Arrays.stream(it.next().itemIds()).forEach(async::add);
      }
      assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    }
    assertThat(async).isEqualTo(sync).hasSize(300);
  }

  @Test
  void rethrowsAProducerErrorWithItsCause() {
    try (PrefetchingBatchIterator it =
        new PrefetchingBatchIterator(new TestingSource(10, 3, 0), 2, "cbns-prefetch-test")) {
      assertThat(it.next().itemIds()).containsExactly(0);
      assertThat(it.next().itemIds()).containsExactly(1);
      assertThat(it.next().itemIds()).containsExactly(2);
      assertThatThrownBy(it::hasNext)
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("cbns-prefetch-test")
          .hasMessageContaining("disk on fire at batch 3")
          .cause()
          .isInstanceOf(IllegalStateException.class);
      // and again: a failed epoch stays failed
      assertThatThrownBy(it::next).isInstanceOf(CbnsException.class);
    }
  }

  @Test
  void closeStopsABlockedProducer() throws InterruptedException {
    TestingSource source = new TestingSource(1_000_000, -1, 0);
    PrefetchingBatchIterator it = new PrefetchingBatchIterator(source, 2, "cbns-prefetch-close");
    it.next();
    Thread producer = findThread("cbns-prefetch-close");
    assertThat(producer).isNotNull();
    assertThat(producer.isDaemon()).isTrue();
    it.close();
    assertThat(it.producerFinished()).isTrue();
    assertThat(source.produced.get()).isLessThan(10); // bounded: depth 2 plus the one in hand
    assertThat(it.hasNext()).isFalse();
    it.close(); // idempotent
  }

  @Test
  void closeFromAnotherThreadWakesABlockedConsumer() throws Exception {
    PrefetchingBatchIterator it =
        new PrefetchingBatchIterator(new TestingSource(5, -1, 60_000), 1, "cbns-prefetch-stuck");
    CompletableFuture<Boolean> consumer = CompletableFuture.supplyAsync(it::hasNext);
    Thread.sleep(100); // the consumer is now blocked: the producer sleeps for a minute
    assertThat(consumer).isNotDone();
    it.close();
    assertThat(consumer.get(5, TimeUnit.SECONDS)).isFalse();
    assertThat(it.producerFinished()).isTrue();
  }

  @Test
  void reportsTimeTheConsumerWaited() {
    try (PrefetchingBatchIterator it =
        new PrefetchingBatchIterator(new TestingSource(3, -1, 30), 1, "cbns-prefetch-slow")) {
      int n = 0;
      while (it.hasNext()) {
        it.next();
        n++;
      }
      assertThat(n).isEqualTo(3);
      assertThat(it.waitNanos()).isGreaterThan(50_000_000L); // ~3 x 30 ms of production
    }
  }

  @Test
  void synchronousIteratorCountsProductionAsWaiting() {
    try (SynchronousBatchIterator it = new SynchronousBatchIterator(new TestingSource(2, -1, 20))) {
      it.next();
      it.next();
      assertThat(it.hasNext()).isFalse();
      assertThat(it.waitNanos()).isGreaterThan(30_000_000L);
    }
  }

  private static Thread findThread(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name))
        .findFirst()
        .orElse(null);
  }
}
