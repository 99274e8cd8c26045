package io.cbns.samplers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.frequency.FrequencyContext;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.loss.SampledSoftmaxLoss;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import io.cbns.core.spi.CbnsPlugin;
import io.cbns.core.spi.FrequencyEstimatorFactory;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.core.spi.SamplerFactory;
import io.cbns.samplers.crossbatch.CrossBatchSampler;
import io.cbns.samplers.crossbatch.Warmup;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

final class TestSamplersPlugin {
  private static final int ITEMS = 50;
  private static final int D = 4;

  @Test
  void serviceLoaderFindsThePlugin() {
    List<CbnsPlugin> plugins =
        ServiceLoader.load(CbnsPlugin.class).stream().map(ServiceLoader.Provider::get).toList();
    assertThat(plugins).hasAtLeastOneElementOfType(SamplersPlugin.class);
    PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
    assertThat(registry.samplers()).containsKeys("in-batch", "uniform", "mixed", "cross-batch");
    assertThat(registry.frequencyEstimators()).containsKeys("counts", "streaming");
    for (SamplerFactory f : new SamplersPlugin().samplerFactories()) {
      assertThat(f.description()).isNotBlank();
    }
  }

  @Test
  void everySamplerWorksWithDefaultOptions() {
    PluginRegistry registry = new PluginRegistry(List.of(new SamplersPlugin()));
    FrequencyEstimator frequency =
        registry
            .frequencyEstimators()
            .get("counts")
            .create(new FrequencyContext(ITEMS, counts(), 8), Options.empty("frequency"));
    try (NDManager root = NDManager.newBaseManager()) {
      TestingItemTable items = TestingItemTable.random(root, ITEMS, D, 1);
      for (SamplerFactory factory : registry.samplers().values()) {
        Options options = Options.of("sampler", Map.of("name", factory.name()));
        options.getString("name", null);
        try (NegativeSampler sampler =
            factory.create(new SamplerContext(ITEMS, D, 8, 10, 7, root), options)) {
          options.requireAllConsumed();
          for (int step = 0; step < 3; step++) {
            try (NDManager m = root.newSubManager()) {
              StepBatch b =
                  TestingItemTable.batch(m, new long[] {1, 2, 3, 4, 5, 6, 7, 8}, frequency);
              StepContext ctx = new StepContext(step, 0, m, items.encoder(), frequency);
              NDArray v = items.encoder().encode(b.itemIds());
              Candidates c = sampler.candidates(ctx, b, v);
              float loss =
                  new SampledSoftmaxLoss(LossConfig.defaults())
                      .compute(TestingItemTable.randomMatrix(m, 8, D, step), c, b.itemIds())
                      .getFloat();
              assertThat(loss).as(factory.name()).isFinite();
              sampler.onStepEnd(ctx, b, v.stopGradient());
            }
          }
          assertThat(sampler.describeState()).as(factory.name()).isNotBlank();
        }
      }
    }
  }

  @Test
  void crossBatchDefaultsAndOptions() {
    SamplerFactory f = new SamplersPlugin().samplerFactories().get(3);
    assertThat(f.name()).isEqualTo("cross-batch");
    try (NDManager root = NDManager.newBaseManager()) {
      try (CrossBatchSampler s =
          (CrossBatchSampler)
              f.create(new SamplerContext(ITEMS, D, 8, 123, 7, root), Options.empty("sampler"))) {
        assertThat(s.bankSize()).isEqualTo(3072);
        // cheap re-encoding: an ids bank, and auto warm-up means none (nothing cached is stale)
        assertThat(s.mode().configName()).isEqualTo("ids");
        assertThat(s.warmup()).isEqualTo(Warmup.fixed(0));
      }
      // expensive re-encoding: an embeddings bank, and auto warm-up is the drift rule
      try (CrossBatchSampler s =
          (CrossBatchSampler)
              f.create(
                  new SamplerContext(ITEMS, D, 8, 123, 7, root, false), Options.empty("sampler"))) {
        assertThat(s.mode().configName()).isEqualTo("embeddings");
        assertThat(s.warmup()).isInstanceOf(Warmup.Drift.class);
        assertThat(((Warmup.Drift) s.warmup()).maxSteps()).isEqualTo(123);
      }
      // the drift rule on request, for either mode
      try (CrossBatchSampler s =
          (CrossBatchSampler)
              f.create(
                  new SamplerContext(ITEMS, D, 8, 123, 7, root),
                  Options.of("sampler", Map.of("warmup-steps", "drift")))) {
        assertThat(s.mode().configName()).isEqualTo("ids");
        assertThat(s.warmup()).isInstanceOf(Warmup.Drift.class);
        assertThat(((Warmup.Drift) s.warmup()).maxSteps()).isEqualTo(123);
      }
      Options options =
          Options.of("sampler", Map.of("bank-size", 16, "warmup-steps", 5, "mode", "ids"));
      try (CrossBatchSampler s =
          (CrossBatchSampler) f.create(new SamplerContext(ITEMS, D, 8, 10, 7, root), options)) {
        options.requireAllConsumed();
        assertThat(s.bankSize()).isEqualTo(16);
        assertThat(s.warmup()).isEqualTo(Warmup.fixed(5));
        assertThat(s.mode().configName()).isEqualTo("ids");
      }
    }
  }

  @Test
  void badOptionsNameTheirKey() {
    PluginRegistry registry = new PluginRegistry(List.of(new SamplersPlugin()));
    try (NDManager root = NDManager.newBaseManager()) {
      SamplerContext ctx = new SamplerContext(ITEMS, D, 8, 10, 7, root);
      SamplerFactory crossBatch = registry.samplers().get("cross-batch");
      assertBad(crossBatch, ctx, Map.of("bank-size", -1), "sampler.bank-size");
      assertBad(crossBatch, ctx, Map.of("warmup-steps", "soon"), "sampler.warmup-steps");
      assertBad(crossBatch, ctx, Map.of("warmup-steps", -3), "sampler.warmup-steps");
      assertBad(crossBatch, ctx, Map.of("mode", "cache"), "sampler.mode");
      assertBad(crossBatch, ctx, Map.of("drift-threshold", -0.1), "sampler.drift-threshold");
      SamplerFactory uniform = registry.samplers().get("uniform");
      assertBad(uniform, ctx, Map.of("num-negatives", 0), "sampler.num-negatives");
      SamplerFactory mixed = registry.samplers().get("mixed");
      assertBad(mixed, ctx, Map.of("num-negatives", "many"), "sampler.num-negatives");
    }
    FrequencyEstimatorFactory streaming = registry.frequencyEstimators().get("streaming");
    assertThatThrownBy(
            () ->
                streaming.create(
                    new FrequencyContext(ITEMS, counts(), 8),
                    Options.of("frequency", Map.of("alpha", 0))))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).keyPath()).isEqualTo("frequency.alpha"));
  }

  private static void assertBad(
      SamplerFactory factory, SamplerContext ctx, Map<String, Object> values, String keyPath) {
    assertThatThrownBy(() -> factory.create(ctx, Options.of("sampler", values)).close())
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).keyPath()).isEqualTo(keyPath))
        .hasMessageStartingWith(keyPath + ": ");
  }

  private static long[] counts() {
    long[] c = new long[ITEMS];
    for (int i = 0; i < ITEMS; i++) {
      c[i] = 1 + (ITEMS - i);
    }
    return c;
  }
}
