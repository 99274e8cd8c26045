package io.cbns.core.train;

import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.DatasetInfo;
import io.cbns.core.data.InteractionBatch;
import io.cbns.core.data.InteractionDataset;
import java.util.SplittableRandom;

/**
 * A clustered in-memory dataset: user u likes the items of cluster u % clusters; a few of them are
 * held out for test. Popularity alone cannot solve it.
 */
final class TestingDataset implements InteractionDataset {
  private final CsrMatrix train;
  private final CsrMatrix test;
  private final int[] pairUsers;
  private final int[] pairItems;

  TestingDataset(int users, int items, int clusters) {
    int perCluster = items / clusters;
    SplittableRandom r = new SplittableRandom(7);
    java.util.List<int[]> tr = new java.util.ArrayList<>();
    java.util.List<int[]> te = new java.util.ArrayList<>();
    for (int u = 0; u < users; u++) {
      int c = u % clusters;
      for (int j = 0; j < perCluster; j++) {
        int item = c * perCluster + j;
        if (r.nextInt(4) == 0) {
          te.add(new int[] {u, item});
        } else if (r.nextInt(3) > 0) {
          tr.add(new int[] {u, item});
        }
      }
    }
    pairUsers = tr.stream().mapToInt(p -> p[0]).toArray();
    pairItems = tr.stream().mapToInt(p -> p[1]).toArray();
    train = CsrMatrix.fromPairs(users, items, pairUsers, pairItems);
    test =
        CsrMatrix.fromPairs(
            users,
            items,
            te.stream().mapToInt(p -> p[0]).toArray(),
            te.stream().mapToInt(p -> p[1]).toArray());
  }

  /** This dataset with a validation split. */
  InteractionDataset withValidation(CsrMatrix validation) {
    TestingDataset self = this;
    return new InteractionDataset() {
      @Override
      public DatasetInfo info() {
        return self.info();
      }

      @Override
      public CsrMatrix trainByUser() {
        return self.trainByUser();
      }

      @Override
      public CsrMatrix testByUser() {
        return self.testByUser();
      }

      @Override
      public java.util.Optional<CsrMatrix> validationByUser() {
        return java.util.Optional.of(validation);
      }

      @Override
      public long[] itemTrainCounts() {
        return self.itemTrainCounts();
      }

      @Override
      public BatchIterator trainBatches(BatchSpec spec, int epoch) {
        return self.trainBatches(spec, epoch);
      }
    };
  }

  @Override
  public DatasetInfo info() {
    return new DatasetInfo(
        "testing",
        "memory",
        train.numRows(),
        train.numColumns(),
        pairUsers.length,
        test.nonZeros(),
        "0");
  }

  @Override
  public CsrMatrix trainByUser() {
    return train;
  }

  @Override
  public CsrMatrix testByUser() {
    return test;
  }

  @Override
  public long[] itemTrainCounts() {
    return train.columnCounts();
  }

  @Override
  public BatchIterator trainBatches(BatchSpec spec, int epoch) {
    int n = pairUsers.length;
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom r = new SplittableRandom(spec.seed() * 31 + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return new BatchIterator() {
      int pos;

      @Override
      public boolean hasNext() {
        return spec.dropLast() ? pos + spec.batchSize() <= n : pos < n;
      }

      @Override
      public InteractionBatch next() {
        int size = Math.min(spec.batchSize(), n - pos);
        long[] u = new long[size];
        long[] it = new long[size];
        for (int i = 0; i < size; i++) {
          u[i] = pairUsers[order[pos + i]];
          it[i] = pairItems[order[pos + i]];
        }
        pos += size;
        return new InteractionBatch(u, it);
      }

      @Override
      public void close() {}
    };
  }
}
