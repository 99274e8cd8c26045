package io.cbns.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestOptions {
  @Test
  void readsTypedValuesWithDefaults() {
    Options o = Options.of("sampler", Map.of("bank-size", 3072, "mode", "IDS", "on", "true"));
    assertThat(o.getInt("bank-size", 0, 0, 1 << 20)).isEqualTo(3072);
    assertThat(o.getChoice("mode", "embeddings", List.of("embeddings", "ids"))).isEqualTo("ids");
    assertThat(o.getBoolean("on", false)).isTrue();
    assertThat(o.getDouble("tau", 0.1, 1e-6, 100)).isEqualTo(0.1);
    o.requireAllConsumed();
  }

  @Test
  void resolvedFillsDefaultsIncludingLists() {
    Options o = Options.of("m", Map.of("dim", 8));
    o.getInt("dim", 64, 1, 100);
    o.getIntList("hidden", List.of(128, 64), 1, 1000);
    o.getDouble("lr", 0.01, 0, 1);
    o.getString("name", null);
    assertThat(o.resolved())
        .containsEntry("dim", 8)
        .containsEntry("hidden", List.of(128L, 64L))
        .containsEntry("lr", 0.01)
        .doesNotContainKey("name");
    // what resolved() writes reads back the same
    Options again = Options.of("m", o.resolved());
    assertThat(again.getIntList("hidden", List.of(), 1, 1000)).containsExactly(128, 64);
  }

  @Test
  void errorsNameTheKeyPath() {
    Options o = Options.of("sampler", Map.of("bank-size", -1, "bank-sise", 3));
    assertThatThrownBy(() -> o.getInt("bank-size", 0, 0, 100))
        .isInstanceOf(ConfigException.class)
        .hasMessage("sampler.bank-size: must be in [0, 100], got -1");
    assertThatThrownBy(o::requireAllConsumed)
        .hasMessage("sampler.bank-sise: unknown key; valid keys here: bank-size");
    assertThatThrownBy(() -> Options.of("", Map.of("x", "abc")).getDouble("x", 1, 0, 2))
        .hasMessage("x: expected a number, got 'abc'");
    assertThatThrownBy(
            () -> Options.of("a", Map.of("m", "zz")).getChoice("m", "x", List.of("x", "y")))
        .hasMessage("a.m: unknown value 'zz'; valid values: x, y");
  }
}
