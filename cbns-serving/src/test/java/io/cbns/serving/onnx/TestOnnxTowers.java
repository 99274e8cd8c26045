package io.cbns.serving.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.OnnxContract;
import io.cbns.serving.Provider;
import io.cbns.serving.TestingTowers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestOnnxTowers {
  @TempDir Path tmp;

  private static final CsrMatrix TRAIN =
      CsrMatrix.fromPairs(4, 6, new int[] {0, 1, 2, 3}, new int[] {0, 1, 2, 3});

  private OnnxTowers open(Path dir, Integer dim, String fingerprint) {
    OnnxTowers.Builder b =
        OnnxTowers.builder()
            .setUserTower(dir.resolve(OnnxContract.USER_TOWER_FILE))
            .setItemTower(dir.resolve(OnnxContract.ITEM_TOWER_FILE))
            .setTrainByUser(TRAIN)
            .optProvider(Provider.AUTO);
    if (dim != null) {
      b.optDimension(dim);
    }
    if (fingerprint != null) {
      b.optDatasetFingerprint(fingerprint);
    }
    return b.build();
  }

  private Path towers(String name, int d, String fingerprint) throws IOException {
    Path dir = tmp.resolve(name);
    TestingTowers.write(
        dir,
        TestingTowers.randomTable(4, d, 1),
        TestingTowers.randomTable(6, d, 2),
        d,
        fingerprint);
    return dir;
  }

  @Test
  void goodTowersOpenOnTheCpuWhenNoGpuIsOffered() throws IOException {
    try (OnnxTowers t = open(towers("ok", 4, "fp"), 4, "fp")) {
      assertThat(t.dimension()).isEqualTo(4);
      assertThat(t.provider()).isIn("CPU", "CUDA");
      assertThat(t.users().count()).isEqualTo(4);
      assertThat(t.items().count()).isEqualTo(6);
      assertThat(t.items().encodeAll()).containsExactly(TestingTowers.randomTable(6, 4, 2));
      assertThatThrownBy(() -> t.users().encode(new long[] {4}))
          .hasMessageContaining("user id 4 outside [0, 4)");
    }
  }

  @Test
  void mismatchedFilesAreRejectedWithTheFix() throws IOException {
    Path ok = towers("a", 4, "fp");
    assertThatThrownBy(() -> open(ok, 8, null))
        .isInstanceOf(CbnsException.class)
        .hasMessageContaining("the ONNX towers have dimension 4 but the trained model has 8");
    assertThatThrownBy(() -> open(ok, null, "other"))
        .hasMessageContaining("exported from a model trained on dataset fp, not on this run's");

    Path mixed = towers("mixed", 4, null);
    Path eight = towers("eight", 8, null);
    Files.copy(
        eight.resolve(OnnxContract.ITEM_TOWER_FILE),
        mixed.resolve(OnnxContract.ITEM_TOWER_FILE),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> open(mixed, null, null))
        .hasMessageContaining("the towers do not fit together")
        .hasMessageContaining("export both from the same run");

    Path swapped = towers("swapped", 4, null);
    Files.copy(
        swapped.resolve(OnnxContract.ITEM_TOWER_FILE),
        swapped.resolve(OnnxContract.USER_TOWER_FILE),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> open(swapped, null, null))
        .hasMessageContaining("expected the user tower but its metadata says cbns.part=item");
  }

  @Test
  void missingEmptyAndCorruptFilesNameTheFileAndTheExport() throws IOException {
    Path dir = towers("broken", 4, null);
    Path user = dir.resolve(OnnxContract.USER_TOWER_FILE);
    Files.delete(user);
    assertThatThrownBy(() -> open(dir, null, null))
        .hasMessageContaining(user + ": not found; export the towers with ./cbns export-onnx");
    Files.write(user, new byte[0]);
    assertThatThrownBy(() -> open(dir, null, null)).hasMessageContaining("an empty file");
    Files.writeString(user, "not a model");
    assertThatThrownBy(() -> open(dir, null, null))
        .hasMessageContaining(user + ": not a valid ONNX model");
  }

  @Test
  void wrongSizesAreRejected() throws IOException {
    Path dir = tmp.resolve("sizes");
    TestingTowers.write(
        dir, TestingTowers.randomTable(4, 4, 1), TestingTowers.randomTable(5, 4, 2), 4, null);
    assertThatThrownBy(() -> open(dir, null, null))
        .hasMessageContaining("exported for 5 items, the dataset has 6");
  }
}
