package io.cbns.core.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

final class TestRowGradientStore {
  private static final int ROWS = 10;
  private static final int D = 3;

  @Test
  void aTableLookedUpSeveralTimesGetsEachIdsGradientsSummedInLookupOrder() {
    // ids repeated within a lookup (4, 1) and across lookups (1, 7); 3 and 5 never looked up
    long[][] lookups = {{4, 1, 4, 7}, {7, 2, 9, 1, 1}, {0, 7}};
    checkSums(lookups);
    checkSums(new long[][] {lookups[0]});
    checkSums(new long[][] {lookups[1], lookups[2]});
  }

  /**
   * The loss is {@code sum_k sum_r rows_k[r] . w_k[r]}, so an id's gradient is the sum of the
   * {@code w_k[r]} of its positions: summed within each lookup first (the lookup's own leaf), then
   * over the lookups in order, in floats, which is what the store must return exactly.
   */
  private static void checkSums(long[][] lookups) {
    SplittableRandom random = new SplittableRandom(lookups.length);
    float[][][] weights = new float[lookups.length][][];
    for (int k = 0; k < lookups.length; k++) {
      weights[k] = new float[lookups[k].length][D];
      for (float[] row : weights[k]) {
        for (int c = 0; c < D; c++) {
          row[c] = (float) random.nextGaussian();
        }
      }
    }
    TreeMap<Long, float[]> expected = new TreeMap<>();
    for (int k = 0; k < lookups.length; k++) {
      TreeMap<Long, float[]> lookup = new TreeMap<>();
      for (int r = 0; r < lookups[k].length; r++) {
        float[] sum = lookup.computeIfAbsent(lookups[k][r], id -> new float[D]);
        for (int c = 0; c < D; c++) {
          sum[c] += weights[k][r][c];
        }
      }
      lookup.forEach(
          (id, sum) -> {
            float[] total = expected.computeIfAbsent(id, x -> new float[D]);
            for (int c = 0; c < D; c++) {
              total[c] += sum[c];
            }
          });
    }
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter table = Parameter.builder().setName("table").setType(Parameter.Type.WEIGHT).build();
      table.setArray(m.randomNormal(new Shape(ROWS, D)));
      try (NDManager step = m.newSubManager()) {
        RowGradientStore store = new RowGradientStore(step);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray loss = null;
          for (int k = 0; k < lookups.length; k++) {
            NDArray rows = store.lookupRows(table, step.create(lookups[k]));
            NDArray term = rows.mul(step.create(weights[k])).sum();
            loss = loss == null ? term : loss.add(term);
          }
          gc.backward(loss);
        }
        assertThat(store.isRowSparse(table)).isTrue();
        NDArray[] idsAndGradients = store.gradients(table);
        assertThat(idsAndGradients[0].toLongArray())
            .containsExactly(expected.keySet().stream().mapToLong(Long::longValue).toArray());
        float[] gradients = idsAndGradients[1].toFloatArray();
        assertThat(gradients).hasSize(expected.size() * D);
        int row = 0;
        for (float[] sum : expected.values()) {
          for (int c = 0; c < D; c++) {
            assertThat(gradients[row * D + c]).as("row %d column %d", row, c).isEqualTo(sum[c]);
          }
          row++;
        }
      }
      table.close();
    }
  }
}
