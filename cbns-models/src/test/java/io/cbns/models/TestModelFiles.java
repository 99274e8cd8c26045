package io.cbns.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.models.tower.MatrixFactorizationModel;
import io.cbns.models.tower.YoutubeDnnModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestModelFiles {
  private static final CsrMatrix TRAIN = TestingTowers.toyHistories(10, 14, 4);
  private static final YoutubeDnnModel.Config CONFIG =
      new YoutubeDnnModel.Config(3, true, List.of(8), 0.0, true, false, 6, 0.1);

  @TempDir Path dir;

  @Test
  void roundTripReproducesOutputs() throws IOException {
    roundTrip(
        (m, seed) ->
            MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 4, true, seed), 0.1));
    roundTrip(
        (m, seed) ->
            YoutubeDnnModel.create(TestingTowers.context(m, TRAIN, 4, false, seed), CONFIG));
  }

  private void roundTrip(BiFunction<NDManager, Long, TwoTowerModel> factory) throws IOException {
    Path file = dir.resolve("sub/model.params");
    try (NDManager m = NDManager.newBaseManager();
        TwoTowerModel trained = factory.apply(m, 1L);
        TwoTowerModel fresh = factory.apply(m, 2L)) {
      ParameterStore ps = TestingTowers.adamStore(m, 0.05f);
      TestingTowers.train(trained, ps, m, TestingTowers.pairs(TRAIN), 8, 3, 1.0, 3);
      ModelFiles.save(trained, file);
      // a parameter store made before the load keeps working: the arrays are replaced in place
      ParameterStore freshStore = new ParameterStore(m, false);
      float[] before = encode(fresh, freshStore, m);
      ModelFiles.load(fresh, file);
      float[] expected = encode(trained, new ParameterStore(m, false), m);
      assertThat(before).isNotEqualTo(expected);
      assertThat(encode(fresh, freshStore, m)).isEqualTo(expected);
      // and it still trains
      TestingTowers.train(
          fresh, TestingTowers.adamStore(m, 0.05f), m, TestingTowers.pairs(TRAIN), 8, 1, 1.0, 3);
      assertThat(encode(fresh, freshStore, m)).isNotEqualTo(expected);
    }
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertThat(files).containsExactly(file); // no temporary file left behind
    }
  }

  @Test
  void loadingADifferentModelFailsNamingTheFile() {
    Path file = dir.resolve("mf.params");
    try (NDManager m = NDManager.newBaseManager();
        TwoTowerModel mf =
            MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 4, false, 1), 0.1);
        TwoTowerModel wider =
            MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 8, false, 1), 0.1);
        TwoTowerModel youtube =
            YoutubeDnnModel.create(TestingTowers.context(m, TRAIN, 4, false, 1), CONFIG)) {
      ModelFiles.save(mf, file);
      float[] before = encode(wider, new ParameterStore(m, false), m);
      assertThatThrownBy(() -> ModelFiles.load(wider, file))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("d=4");
      assertThat(encode(wider, new ParameterStore(m, false), m)).isEqualTo(before);
      assertThatThrownBy(() -> ModelFiles.load(youtube, file))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("youtube-dnn");
    }
  }

  @Test
  void rejectsOtherFiles() throws IOException {
    Path junk = Files.writeString(dir.resolve("junk.params"), "hello");
    try (NDManager m = NDManager.newBaseManager();
        TwoTowerModel mf =
            MatrixFactorizationModel.create(TestingTowers.context(m, TRAIN, 4, false, 1), 0.1)) {
      assertThatThrownBy(() -> ModelFiles.load(mf, junk))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("not a cbns model parameter file");
      assertThatThrownBy(() -> ModelFiles.load(mf, dir.resolve("missing.params")))
          .isInstanceOf(CbnsException.class)
          .hasMessageContaining("missing.params");
      Path file = dir.resolve("cut.params");
      ModelFiles.save(mf, file);
      byte[] bytes = Files.readAllBytes(file);
      Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
      assertThatThrownBy(() -> ModelFiles.load(mf, file)).isInstanceOf(CbnsException.class);
    }
  }

  private static float[] encode(TwoTowerModel model, ParameterStore ps, NDManager m) {
    try (NDManager step = m.newSubManager()) {
      NDArray ids = step.create(new long[] {0, 3, 9});
      NDArray u = model.encodeUsers(ps, ids, null, false);
      NDArray v = model.encodeItems(ps, ids, false);
      return u.concat(v, 1).toFloatArray();
    }
  }
}
