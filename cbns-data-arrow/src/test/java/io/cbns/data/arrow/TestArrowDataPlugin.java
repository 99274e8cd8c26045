package io.cbns.data.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.config.ConfigException;
import io.cbns.core.config.Options;
import io.cbns.core.data.BatchIterator;
import io.cbns.core.data.BatchSpec;
import io.cbns.core.data.DatasetContext;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.spi.CbnsPlugin;
import io.cbns.core.spi.DatasetSourceFactory;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.data.arrow.format.DatasetLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestArrowDataPlugin {
  private static final Map<String, Object> SMALL =
      Map.of("users", 60, "items", 40, "interactions-per-user", 10);

  private static DatasetSourceFactory source(String name) {
    return PluginRegistry.discover(TestArrowDataPlugin.class.getClassLoader())
        .datasetSources()
        .get(name);
  }

  @Test
  void serviceLoaderFindsThePluginAndEverySource() {
    List<CbnsPlugin> plugins =
        ServiceLoader.load(CbnsPlugin.class).stream().map(ServiceLoader.Provider::get).toList();
    assertThat(plugins).hasAtLeastOneElementOfType(ArrowDataPlugin.class);
    PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
    assertThat(registry.datasetSources().keySet())
        .contains("synthetic", "arrow", "lightgcn", "delimited");
    registry.datasetSources().values().forEach(f -> assertThat(f.description()).isNotBlank());
  }

  @Test
  void syntheticIsWrittenToTheCacheReadBackAndReused(@TempDir Path cache) throws Exception {
    DatasetContext ctx = new DatasetContext(cache, 123);
    String fingerprint;
    Path dir;
    try (InteractionDataset ds = source("synthetic").open(ctx, Options.of("data", SMALL))) {
      assertThat(ds).isInstanceOf(ArrowInteractionDataset.class);
      dir = ((ArrowInteractionDataset) ds).directory();
      assertThat(dir.getParent()).isEqualTo(cache.toAbsolutePath());
      assertThat(dir.getFileName().toString()).startsWith("synthetic-");
      assertThat(ds.info().numUsers()).isEqualTo(60);
      assertThat(ds.info().numItems()).isEqualTo(40);
      fingerprint = ds.info().fingerprint();
      long rows = 0;
      try (BatchIterator it = ds.trainBatches(new BatchSpec(16, false, 1, 1), 0)) {
        while (it.hasNext()) {
          rows += it.next().size();
        }
      }
      assertThat(rows).isEqualTo(ds.info().numTrain());
    }
    FileTime written = Files.getLastModifiedTime(dir.resolve(DatasetLayout.MANIFEST));
    Thread.sleep(20);
    // the run seed does not change the data; the same options reuse the directory
    try (InteractionDataset again =
        source("synthetic").open(new DatasetContext(cache, 999), Options.of("data", SMALL))) {
      assertThat(again.info().fingerprint()).isEqualTo(fingerprint);
    }
    assertThat(Files.getLastModifiedTime(dir.resolve(DatasetLayout.MANIFEST))).isEqualTo(written);
    Map<String, Object> other = new HashMap<>(SMALL);
    other.put("seed", 7);
    try (InteractionDataset seeded = source("synthetic").open(ctx, Options.of("data", other))) {
      assertThat(seeded.info().fingerprint()).isNotEqualTo(fingerprint);
    }
    assertThat(TestData.list(cache)).hasSize(2);
  }

  @Test
  void aBrokenCacheEntryIsRebuilt(@TempDir Path cache) throws Exception {
    DatasetContext ctx = new DatasetContext(cache, 1);
    Path dir;
    String fingerprint;
    try (ArrowInteractionDataset ds =
        (ArrowInteractionDataset) source("synthetic").open(ctx, Options.of("data", SMALL))) {
      dir = ds.directory();
      fingerprint = ds.info().fingerprint();
    }
    Files.delete(dir.resolve(DatasetLayout.TEST));
    try (InteractionDataset ds = source("synthetic").open(ctx, Options.of("data", SMALL))) {
      assertThat(ds.info().fingerprint()).isEqualTo(fingerprint);
    }
    assertThat(Files.exists(dir.resolve(DatasetLayout.TEST))).isTrue();
  }

  @Test
  void arrowOpensADirectoryAndLightgcnImportsOnceIntoTheCache(@TempDir Path tmp) throws Exception {
    Path src = tmp.resolve("lg");
    TestData.write(src, "train.txt", "0 0 1\n1 1 2\n2 0 2\n");
    TestData.write(src, "test.txt", "0 2\n1 0\n2 1\n");
    Path cache = tmp.resolve("cache");
    DatasetContext ctx = new DatasetContext(cache, 1);
    Path imported;
    try (ArrowInteractionDataset ds =
        (ArrowInteractionDataset)
            source("lightgcn").open(ctx, Options.of("data", Map.of("path", src.toString())))) {
      assertThat(ds.info().numTrain()).isEqualTo(6);
      assertThat(ds.info().numTest()).isEqualTo(3);
      imported = ds.directory();
      assertThat(imported.getFileName().toString()).startsWith("lightgcn-lg-");
    }
    FileTime written = Files.getLastModifiedTime(imported.resolve(DatasetLayout.MANIFEST));
    try (InteractionDataset again =
        source("lightgcn").open(ctx, Options.of("data", Map.of("path", src.toString())))) {
      assertThat(again.info().numTrain()).isEqualTo(6);
    }
    assertThat(Files.getLastModifiedTime(imported.resolve(DatasetLayout.MANIFEST)))
        .isEqualTo(written);
    // a changed source file is a different cache entry
    TestData.write(src, "test.txt", "0 2\n1 0\n");
    try (InteractionDataset changed =
        source("lightgcn").open(ctx, Options.of("data", Map.of("path", src.toString())))) {
      assertThat(changed.info().numTest()).isEqualTo(2);
    }
    assertThat(TestData.list(cache)).hasSize(2);

    try (InteractionDataset opened =
        source("arrow").open(ctx, Options.of("data", Map.of("path", imported.toString())))) {
      assertThat(opened.info().numTest()).isEqualTo(3);
    }
    assertThatThrownBy(
            () ->
                source("arrow")
                    .open(ctx, Options.of("data", Map.of("path", tmp.resolve("x").toString()))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.path: no such directory");
    assertThatThrownBy(() -> source("arrow").open(ctx, Options.empty("data")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.path: is required");
  }

  @Test
  void delimitedImportsIntoTheCache(@TempDir Path tmp) {
    StringBuilder sb = new StringBuilder();
    for (int u = 1; u <= 4; u++) {
      for (int i = 1; i <= 5; i++) {
        sb.append('u').append(u).append("\ti").append(i).append('\n');
      }
    }
    Path file = TestData.write(tmp, "r.tsv", sb.toString());
    Map<String, Object> o = Map.of("path", file.toString(), "separator", "tab");
    try (InteractionDataset ds =
        source("delimited")
            .open(new DatasetContext(tmp.resolve("cache"), 1), Options.of("data", o))) {
      assertThat(ds.info().numUsers()).isEqualTo(4);
      assertThat(ds.info().numTest()).isEqualTo(4); // round(0.2 x 5) per user
      assertThat(ds.info().numTrain()).isEqualTo(16);
      assertThat(((ArrowInteractionDataset) ds).originalUserIds())
          .contains(List.of("u1", "u2", "u3", "u4"));
    }
  }
}
