package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.cbns.core.config.ConfigException;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.optim.PlateauSchedule;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.runner.config.ConfigLoader;
import io.cbns.runner.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run's parts from {@link RunModule}: made once, in order, closed with the run. */
final class TestRunModule {
  private static final PluginRegistry PLUGINS =
      PluginRegistry.discover(TestRunModule.class.getClassLoader());
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

  @TempDir Path tmp;

  private RunConfig config(String... overrides) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "run.dir=" + tmp,
                "data.users=120",
                "data.items=90",
                "model.dim=8",
                "training.batch-size=32",
                "threads=1"));
    all.addAll(List.of(overrides));
    return RunConfig.parse(ConfigLoader.load(List.of(), all), PLUGINS.listeners().keySet());
  }

  @Test
  void makesEachPartOnceAndClosesThemWithTheRun() {
    RunResources resources = new RunResources();
    Injector injector =
        Guice.createInjector(
            new RunModule(
                config("sampler.name=cross-batch", "sampler.bank-size=64"),
                PLUGINS,
                CLOCK,
                null,
                resources));
    RunModule.Parts parts = RunModule.parts(injector);

    assertThat(injector.getInstance(TwoTowerModel.class)).isSameAs(parts.model());
    assertThat(injector.getInstance(NegativeSampler.class)).isSameAs(parts.sampler());
    assertThat(injector.getInstance(InteractionDataset.class)).isSameAs(parts.dataset());
    assertThat(parts.sampler().effectiveOptions()).containsEntry("bank-size", "64");
    assertThat(parts.dataset().info().numUsers()).isEqualTo(120);
    // a new run is named after the clock, and not created before every key is checked
    assertThat(parts.runDirectory().path().getFileName().toString())
        .isEqualTo("20260102-030405-mf-cross-batch");
    assertThat(Files.exists(parts.runDirectory().path())).isFalse();
    // manager, dataset, towers, sampler
    assertThat(resources.size()).isEqualTo(4);

    NDManager manager = parts.manager();
    assertThat(manager.isOpen()).isTrue();
    resources.close();
    assertThat(manager.isOpen()).isFalse();
    assertThat(resources.size()).isZero();
  }

  @Test
  void plateauNeedsAValidationSplitAndIsTheSchedule() {
    RunResources resources = new RunResources();
    assertThatThrownBy(
            () ->
                RunModule.parts(
                    Guice.createInjector(
                        new RunModule(
                            config("optimizer.schedule=plateau"),
                            PLUGINS,
                            CLOCK,
                            null,
                            resources))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("optimizer.schedule")
        .hasMessageContaining("data.validation-ratio");
    resources.close();

    try (RunResources ok = new RunResources()) {
      RunModule.Parts parts =
          RunModule.parts(
              Guice.createInjector(
                  new RunModule(
                      config("optimizer.schedule=plateau", "data.validation-ratio=0.2"),
                      PLUGINS,
                      CLOCK,
                      null,
                      ok)));
      assertThat(parts.schedule()).isInstanceOf(PlateauSchedule.class);
    }
  }

  @Test
  void anUnknownPluginNameFailsBeforeAnythingIsOpened() {
    RunResources resources = new RunResources();
    assertThatThrownBy(
            () ->
                RunModule.parts(
                    Guice.createInjector(
                        new RunModule(
                            config("model.tower=no-such-tower"), PLUGINS, CLOCK, null, resources))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model.tower")
        .hasMessageContaining("no-such-tower")
        .hasMessageContaining("mf");
    assertThat(resources.size()).isZero();
  }

  @Test
  void anExistingRunNameFails() throws Exception {
    Files.createDirectory(tmp.resolve("taken"));
    try (RunResources resources = new RunResources()) {
      assertThatThrownBy(
              () ->
                  RunModule.parts(
                      Guice.createInjector(
                          new RunModule(
                              config("run.name=taken"), PLUGINS, CLOCK, null, resources))))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("run.name")
          .hasMessageContaining("already exists");
    }
  }

  @Test
  void resourcesCloseInReverseOrderAndPastAFailure() {
    List<String> closed = new ArrayList<>();
    RunResources resources = new RunResources();
    resources.register(() -> closed.add("first"));
    resources.register(
        () -> {
          closed.add("second");
          throw new IllegalStateException("second failed");
        });
    resources.register(() -> closed.add("third"));
    assertThatThrownBy(resources::close).hasMessage("second failed");
    assertThat(closed).containsExactly("third", "second", "first");
    resources.close(); // a second close does nothing
    assertThat(closed).hasSize(3);
    assertThatThrownBy(() -> resources.register(() -> {}))
        .isInstanceOf(IllegalStateException.class);
  }
}
