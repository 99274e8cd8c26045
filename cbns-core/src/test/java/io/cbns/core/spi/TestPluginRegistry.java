package io.cbns.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TestPluginRegistry {
  @Test
  void indexesFactoriesByName() {
    PluginRegistry r =
        new PluginRegistry(List.of(new TestingPlugin("a", "x"), new TestingPlugin("b", "y")));
    assertThat(r.samplers()).containsOnlyKeys("x", "y");
    assertThat(PluginRegistry.select(r.samplers(), "y", "sampler.name").name()).isEqualTo("y");
  }

  @Test
  void duplicateNamesAreAnError() {
    assertThatThrownBy(
            () ->
                new PluginRegistry(
                    List.of(new TestingPlugin("a", "x"), new TestingPlugin("b", "x"))))
        .hasMessage("duplicate sampler name 'x' from plugins a and b");
  }

  @Test
  void unknownNameListsTheAvailableOnes() {
    PluginRegistry r = new PluginRegistry(List.of(new TestingPlugin("a", "x", "y")));
    assertThatThrownBy(() -> PluginRegistry.select(r.samplers(), "z", "sampler.name"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("sampler.name: unknown name 'z'; available: x, y");
  }

  private record TestingPlugin(String name, List<String> samplerNames) implements CbnsPlugin {
    TestingPlugin(String name, String... samplers) {
      this(name, List.of(samplers));
    }

    @Override
    public List<SamplerFactory> samplerFactories() {
      return samplerNames.stream()
          .map(TestingSamplerFactory::new)
          .map(f -> (SamplerFactory) f)
          .toList();
    }
  }

  private record TestingSamplerFactory(String name) implements SamplerFactory {
    @Override
    public String description() {
      return "testing";
    }

    @Override
    public NegativeSampler create(SamplerContext ctx, Options options) {
      throw new UnsupportedOperationException();
    }
  }
}
