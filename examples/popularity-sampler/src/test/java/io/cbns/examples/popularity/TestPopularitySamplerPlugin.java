package io.cbns.examples.popularity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.frequency.FrequencyEstimator;
import io.cbns.core.loss.LossConfig;
import io.cbns.core.loss.SampledSoftmaxLoss;
import io.cbns.core.sampling.Candidates;
import io.cbns.core.sampling.ItemEncoder;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.core.spi.SamplerFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TestPopularitySamplerPlugin {
  private static final int ITEMS = 20;
  private static final int D = 4;

  /** q(0) = 0.81, the other 19 items share the rest evenly. */
  private static final FrequencyEstimator SKEWED =
      (ids, out) -> {
        for (int i = 0; i < ids.length; i++) {
          out[i] = (float) Math.log(ids[i] == 0 ? 0.81 : 0.01);
        }
      };

  @Test
  void discoveredAndTrainsOneStep() {
    PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
    SamplerFactory factory =
        PluginRegistry.select(registry.samplers(), "popularity", "sampler.name");
    assertThat(factory).isInstanceOf(PopularitySamplerFactory.class);

    try (NDManager root = NDManager.newBaseManager()) {
      NDArray table = root.arange(0f, ITEMS * D).sin().reshape(ITEMS, D);
      table.setRequiresGradient(true);
      ItemEncoder encoder = ids -> table.get(ids.getManager(), new NDIndex("{}", ids));
      Options options = Options.of("sampler", Map.of("num-negatives", 16, "alpha", 1.0));
      try (NegativeSampler sampler =
              factory.create(new SamplerContext(ITEMS, D, 4, 10, 1, root), options);
          NDManager m = root.newSubManager()) {
        options.requireAllConsumed();
        long[] positives = {3, 5, 7, 9};
        float[] logQ = new float[4];
        SKEWED.logQ(positives, logQ);
        StepBatch batch =
            new StepBatch(m.arange(0L, 4L), m.create(positives), m.create(logQ), positives);
        StepContext ctx = new StepContext(0, 0, m, encoder, SKEWED);
        NDArray users = m.arange(0f, 4 * D).cos().reshape(4, D);
        float loss;
        Candidates c;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray v = encoder.encode(batch.itemIds());
          c = sampler.candidates(ctx, batch, v);
          NDArray value =
              new SampledSoftmaxLoss(LossConfig.defaults()).compute(users, c, batch.itemIds());
          loss = value.getFloat();
          gc.backward(value);
        }
        assertThat(loss).isFinite().isPositive();
        float[] grad = table.getGradient().toFloatArray();
        double norm = 0;
        for (float g : grad) {
          assertThat(g).isFinite();
          norm += g * g;
        }
        assertThat(norm).isGreaterThan(0);
        assertThat(c.size()).isEqualTo(4 + 16);
        assertThat(c.batchNegatives()).isFalse();

        // alpha = 1: p = q, so item 0 dominates the draws and carries log 0.81
        PopularitySampler ps = (PopularitySampler) sampler;
        assertThat(ps.logProbability(0)).isCloseTo(Math.log(0.81), within(1e-5));
        // every column carries the proposal's log p, the rows' own positives included
        float[] columnLogQ = c.logQ().toFloatArray();
        long[] columnIds = c.itemIds().toLongArray();
        for (int j = 0; j < columnIds.length; j++) {
          assertThat(columnLogQ[j])
              .as("column %d", j)
              .isEqualTo((float) ps.logProbability((int) columnIds[j]));
        }
        long[] ids = c.itemIds().toLongArray();
        int zeros = 0;
        for (int j = 4; j < ids.length; j++) {
          zeros += ids[j] == 0 ? 1 : 0;
        }
        assertThat(zeros).isGreaterThanOrEqualTo(8);
      }
    }
  }

  @Test
  void alphaZeroIsUniformAndBadOptionsNameTheirKey() {
    try (NDManager root = NDManager.newBaseManager();
        NDManager m = root.newSubManager()) {
      PopularitySampler s = new PopularitySampler(ITEMS, 4, 0.0, 0, 1);
      NDArray table = root.zeros(new Shape(ITEMS, D));
      ItemEncoder encoder = ids -> table.get(ids.getManager(), new NDIndex("{}", ids));
      StepBatch batch =
          new StepBatch(
              m.create(new long[] {0}),
              m.create(new long[] {1}),
              m.create(new float[] {-1f}),
              new long[] {1});
      s.candidates(
          new StepContext(0, 0, m, encoder, SKEWED), batch, encoder.encode(batch.itemIds()));
      assertThat(s.logProbability(0)).isCloseTo(-Math.log(ITEMS), within(1e-5));
      assertThat(s.logProbability(7)).isCloseTo(-Math.log(ITEMS), within(1e-5));

      SamplerContext ctx = new SamplerContext(ITEMS, D, 4, 10, 1, root);
      assertThatThrownBy(
              () ->
                  new PopularitySamplerFactory()
                      .create(ctx, Options.of("sampler", Map.of("alpha", 3))))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("sampler.alpha: ");
    }
  }
}
