package io.cbns.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.core.spi.TowerFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestModelsPlugin {
  private static final CsrMatrix TRAIN = TestingTowers.toyHistories(6, 9, 4);

  @Test
  void discoversBothTowers() {
    PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
    assertThat(registry.plugins()).anyMatch(p -> p instanceof ModelsPlugin);
    assertThat(registry.towers()).containsKeys("mf", "youtube-dnn", "features");
    assertThat(registry.towers().values()).allMatch(f -> !f.description().isBlank());
  }

  @Test
  void createsEachTowerWithDefaults() {
    PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
    for (String name : new String[] {"mf", "youtube-dnn"}) {
      TowerFactory factory = PluginRegistry.select(registry.towers(), name, "model.tower");
      Options options = Options.of("model", Map.of("tower", name));
      options.getString("tower", "mf"); // the runner reads this key
      try (NDManager m = NDManager.newBaseManager();
          TwoTowerModel model =
              factory.create(TestingTowers.context(m, TRAIN, 8, true, 1), options)) {
        options.requireAllConsumed();
        assertThat(model.dimension()).isEqualTo(8);
        assertThat(model.block().getParameters().values()).allMatch(p -> p.isInitialized());
        assertThat(model.cheapItemReencoding()).isTrue();
        ParameterStore ps = new ParameterStore(m, false);
        try (NDManager step = m.newSubManager()) {
          NDArray users = step.create(new long[] {0, 5, 2});
          NDArray items = step.create(new long[] {1, 8, 0});
          assertThat(model.encodeUsers(ps, users, items, true).getShape())
              .isEqualTo(new Shape(3, 8));
          assertThat(model.encodeUsers(ps, users, null, false).getShape())
              .isEqualTo(new Shape(3, 8));
          assertThat(model.encodeItems(ps, items, false).getShape()).isEqualTo(new Shape(3, 8));
        }
      }
    }
  }

  @Test
  void unknownOptionIsRejectedAfterReading() {
    PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
    Options options = Options.of("model", Map.of("hidden", 64));
    try (NDManager m = NDManager.newBaseManager();
        TwoTowerModel ignored =
            registry
                .towers()
                .get("mf")
                .create(TestingTowers.context(m, TRAIN, 4, false, 1), options)) {
      assertThatThrownBy(options::requireAllConsumed)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("model.hidden");
    }
  }
}
