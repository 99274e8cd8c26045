package io.cbns.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.data.FeatureTable.CategoricalFeature;
import io.cbns.core.data.FeatureTable.DenseFeature;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TestFeatureTable {
  private static CategoricalFeature genre() {
    return new CategoricalFeature("genre", 3, new int[] {0, 1, 3, 3}, new int[] {2, 0, 1});
  }

  @Test
  void validTableReportsRowsAndWidths() {
    FeatureTable t =
        new FeatureTable(
            3, List.of(genre()), List.of(new DenseFeature("v", 2, new float[] {1, 2, 3, 4, 5, 6})));
    assertThat(t.denseWidth()).isEqualTo(2);
    assertThat(t.categorical().get(0).rowLength(1)).isEqualTo(2);
    assertThat(t.categorical().get(0).rowLength(2)).isZero();
    assertThat(t.categorical().get(0).maxRowLength()).isEqualTo(2);
  }

  @Test
  void rejectsIdOutsideVocabulary() {
    assertThatThrownBy(() -> new CategoricalFeature("g", 2, new int[] {0, 1}, new int[] {2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside [0, 2)");
  }

  @Test
  void rejectsBadOffsets() {
    assertThatThrownBy(() -> new CategoricalFeature("g", 2, new int[] {0, 2, 1}, new int[] {0}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsRowCountMismatchDuplicateNamesAndNonFinite() {
    assertThatThrownBy(() -> new FeatureTable(4, List.of(genre()), List.of()))
        .hasMessageContaining("has 3 rows, not 4");
    assertThatThrownBy(
            () ->
                new FeatureTable(
                    3,
                    List.of(genre()),
                    List.of(new DenseFeature("genre", 1, new float[] {1, 2, 3}))))
        .hasMessageContaining("duplicate");
    assertThatThrownBy(() -> new DenseFeature("v", 1, new float[] {Float.NaN}))
        .hasMessageContaining("finite");
    assertThatThrownBy(() -> new DenseFeature("v", 2, new float[] {1, 2, 3}))
        .hasMessageContaining("width");
    assertThatThrownBy(() -> new FeatureTable(3, List.of(), List.of()))
        .hasMessageContaining("at least one");
  }
}
