package io.cbns.samplers.crossbatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

final class TestFifoMemoryBank {
  private static final int D = 3;

  /** Enqueues ids [from, to): embedding row = (id, id + 0.5, id + 0.25), log q = -id. */
  private static void enqueue(NDManager m, FifoMemoryBank bank, long from, long to) {
    try (NDManager step = m.newSubManager()) {
      long[] ids = LongStream.range(from, to).toArray();
      float[] emb = new float[ids.length * D];
      float[] logQ = new float[ids.length];
      for (int i = 0; i < ids.length; i++) {
        emb[i * D] = ids[i];
        emb[i * D + 1] = ids[i] + 0.5f;
        emb[i * D + 2] = ids[i] + 0.25f;
        logQ[i] = -ids[i];
      }
      bank.enqueue(step.create(emb, new Shape(ids.length, D)), step.create(logQ), step.create(ids));
    }
  }

  /** Ids of the written slots, in slot order, after checking embeddings and log q match them. */
  private static long[] aligned(NDManager m, FifoMemoryBank bank) {
    try (NDManager view = m.newSubManager()) {
      long[] ids = bank.itemIds(view).toLongArray();
      float[] logQ = bank.logQ(view).toFloatArray();
      assertThat(ids).hasSize(bank.size());
      assertThat(logQ).hasSize(bank.size());
      if (bank.storesEmbeddings()) {
        NDArray e = bank.embeddings(view);
        assertThat(e.getShape()).isEqualTo(new Shape(bank.size(), D));
        float[] emb = e.toFloatArray();
        for (int i = 0; i < ids.length; i++) {
          assertThat(emb[i * D]).isEqualTo((float) ids[i]);
          assertThat(emb[i * D + 1]).isEqualTo(ids[i] + 0.5f);
          assertThat(emb[i * D + 2]).isEqualTo(ids[i] + 0.25f);
        }
      }
      for (int i = 0; i < ids.length; i++) {
        assertThat(logQ[i]).isEqualTo((float) -ids[i]);
      }
      return ids;
    }
  }

  @Test
  void partialFillExposesOnlyWrittenSlotsInFifoOrder() {
    try (NDManager m = NDManager.newBaseManager();
        FifoMemoryBank bank = new FifoMemoryBank(m, 5, D, true)) {
      assertThat(bank.size()).isZero();
      enqueue(m, bank, 10, 13);
      assertThat(bank.size()).isEqualTo(3);
      assertThat(bank.isFull()).isFalse();
      assertThat(bank.writePosition()).isEqualTo(3);
      assertThat(aligned(m, bank)).containsExactly(10, 11, 12);
      enqueue(m, bank, 13, 14);
      assertThat(aligned(m, bank)).containsExactly(10, 11, 12, 13);
    }
  }

  @Test
  void wrapAroundOverwritesTheOldestFirst() {
    try (NDManager m = NDManager.newBaseManager();
        FifoMemoryBank bank = new FifoMemoryBank(m, 5, D, true)) {
      enqueue(m, bank, 0, 3);
      enqueue(m, bank, 3, 6); // slots 3, 4, then wraps to slot 0
      assertThat(bank.isFull()).isTrue();
      assertThat(bank.writePosition()).isEqualTo(1);
      assertThat(aligned(m, bank)).containsExactly(5, 1, 2, 3, 4);
      enqueue(m, bank, 6, 8); // 1 and 2 are the oldest
      assertThat(aligned(m, bank)).containsExactly(5, 6, 7, 3, 4);
      assertThat(bank.writePosition()).isEqualTo(3);
      enqueue(m, bank, 8, 11); // 3, 4, 5 go
      assertThat(aligned(m, bank)).containsExactly(10, 6, 7, 8, 9);
      assertThat(bank.enqueued()).isEqualTo(11);
    }
  }

  @Test
  void moreRowsThanSlotsKeepsTheLastOnes() {
    try (NDManager m = NDManager.newBaseManager();
        FifoMemoryBank bank = new FifoMemoryBank(m, 5, D, true)) {
      enqueue(m, bank, 0, 8);
      assertThat(aligned(m, bank)).containsExactly(3, 4, 5, 6, 7);
      assertThat(bank.writePosition()).isZero();

      enqueue(m, bank, 100, 102);
      enqueue(m, bank, 10, 18); // keeps 13..17, written from slot 2 with a wrap
      assertThat(aligned(m, bank)).containsExactly(16, 17, 13, 14, 15);
      assertThat(bank.writePosition()).isEqualTo(2);
    }
  }

  @Test
  void idsModeKeepsIdsAndLogQOnly() {
    try (NDManager m = NDManager.newBaseManager();
        FifoMemoryBank bank = new FifoMemoryBank(m, 4, D, false)) {
      enqueue(m, bank, 0, 6);
      assertThat(bank.storesEmbeddings()).isFalse();
      assertThat(bank.embeddingStorage()).isNull();
      assertThat(aligned(m, bank)).containsExactly(2, 3, 4, 5);
      enqueue(m, bank, 6, 7);
      assertThat(aligned(m, bank)).containsExactly(6, 3, 4, 5);
      assertThatThrownBy(() -> bank.embeddings(m)).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void storageIsWrittenInPlaceWithoutGrowth() {
    try (NDManager m = NDManager.newBaseManager();
        FifoMemoryBank bank = new FifoMemoryBank(m, 7, D, true)) {
      NDArray emb = bank.embeddingStorage();
      NDArray logQ = bank.logQStorage();
      NDArray ids = bank.itemIdStorage();
      int managed = bank.manager().getManagedArrays().size();
      for (int i = 0; i < 200; i++) {
        enqueue(m, bank, i * 3L, i * 3L + 3);
      }
      assertThat(bank.embeddingStorage()).isSameAs(emb);
      assertThat(bank.logQStorage()).isSameAs(logQ);
      assertThat(bank.itemIdStorage()).isSameAs(ids);
      assertThat(bank.manager().getManagedArrays()).hasSize(managed);
      assertThat(aligned(m, bank)).containsExactly(595, 596, 597, 598, 599, 593, 594);
    }
  }

  @Test
  void viewsAreAttachedToTheCallersManager() {
    try (NDManager m = NDManager.newBaseManager();
        FifoMemoryBank bank = new FifoMemoryBank(m, 4, D, true)) {
      enqueue(m, bank, 0, 2);
      int managed = bank.manager().getManagedArrays().size();
      try (NDManager step = m.newSubManager()) {
        assertThat(bank.embeddings(step).getManager()).isSameAs(step);
        assertThat(bank.logQ(step).getManager()).isSameAs(step);
        assertThat(bank.itemIds(step).getManager()).isSameAs(step);
      }
      assertThat(bank.manager().getManagedArrays()).hasSize(managed);
      assertThat(aligned(m, bank)).containsExactly(0, 1);
    }
  }

  @Test
  void rejectsMisshapenRows() {
    try (NDManager m = NDManager.newBaseManager();
        FifoMemoryBank bank = new FifoMemoryBank(m, 4, D, true)) {
      NDArray emb = m.zeros(new Shape(2, D + 1));
      assertThatThrownBy(
              () -> bank.enqueue(emb, m.zeros(new Shape(2)), m.create(new long[] {1, 2})))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("rowEmbeddings");
      assertThatThrownBy(() -> new FifoMemoryBank(m, 0, D, true))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
