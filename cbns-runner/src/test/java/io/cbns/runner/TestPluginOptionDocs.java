package io.cbns.runner;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.cbns.core.config.Options;
import io.cbns.core.data.DatasetContext;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.frequency.FrequencyContext;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.sampling.NegativeSampler;
import io.cbns.core.sampling.SamplerContext;
import io.cbns.core.spi.NamedFactory;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.data.arrow.importer.DatasetImporter;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every option a plugin reads is documented in the topic's page, under the plugin's heading, with
 * its default; and every key documented for a plugin is one it reads. The options are found the way
 * the runner validates them: by creating every discovered sampler, tower, dataset source and
 * frequency estimator (and the drift monitor) with an empty section and collecting the {@link
 * Options.OptionSpec}s its getters recorded. Each is created twice, in two different contexts, so
 * that a default computed from the context (e.g. one epoch of steps) is told apart from a constant
 * one: a constant default must be the documented one, a computed default only needs a description.
 *
 * <p>Doc format (the per-topic pages already follow it): a heading that starts with the plugin's
 * name in backticks ({@code ### `uniform`}), followed by a table whose header starts with {@code |
 * key | default |}; a key cell holds one or more {@code `key`}s, bare or with the section prefix
 * ({@code `model.init-std`}). A key with no default (a required path) may instead be listed in a
 * summary table row that starts with the plugin's name.
 */
final class TestPluginOptionDocs {
  private static final Path DOCS = Path.of("..", "docs");
  private static final Pattern HEADING = Pattern.compile("^(#+)\\s+(.*)$");
  private static final Pattern PLUGIN_HEADING = Pattern.compile("^`([a-z0-9-]+)`");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  @TempDir static Path tmp;
  private static PluginRegistry registry;

  /** Kind, then plugin name, then key (relative to the section) to what the code says. */
  private static final Map<String, Map<String, Map<String, Option>>> byKind = new LinkedHashMap<>();

  /** What the code says about one key. */
  private record Option(String defaultValue, boolean derived) {}

  /** One kind of plugin: its doc page, its config section and how to find its headings. */
  private record Kind(String name, String doc, String section) {}

  private static final Kind SAMPLER = new Kind("sampler", "samplers.md", "sampler");
  private static final Kind FREQUENCY = new Kind("frequency estimator", "samplers.md", "frequency");
  private static final Kind TOWER = new Kind("tower", "models.md", "model");
  private static final Kind SOURCE = new Kind("dataset source", "data.md", "data");
  private static final Kind LISTENER = new Kind("listener", "samplers.md", "drift");

  @BeforeAll
  static void collectTheOptionsOfEveryPlugin() throws Exception {
    registry = PluginRegistry.discover(TestPluginOptionDocs.class.getClassLoader());
    Context a = new Context(tmp.resolve("a"), 8, 16, 7, "alpha");
    Context b = new Context(tmp.resolve("b"), 12, 32, 13, "beta");
    for (String name : shipped(registry.datasetSources())) {
      put(SOURCE.name, name, sourceOptions(name, a), sourceOptions(name, b));
    }
    try (InteractionDataset data = tinySyntheticDataset(tmp.resolve("data"))) {
      for (String name : shipped(registry.towers())) {
        put(TOWER.name, name, towerOptions(name, data, a), towerOptions(name, data, b));
      }
    }
    for (String name : shipped(registry.samplers())) {
      put(SAMPLER.name, name, samplerOptions(name, a), samplerOptions(name, b));
    }
    for (String name : shipped(registry.frequencyEstimators())) {
      put(FREQUENCY.name, name, frequencyOptions(name, a), frequencyOptions(name, b));
    }
    for (String name : shipped(registry.listeners())) {
      put(LISTENER.name, name, listenerOptions(name, a), listenerOptions(name, b));
    }
  }

  /**
   * The plugins of the framework's modules. Third-party plugins on the test class path (the example
   * in examples/popularity-sampler) document their options in their own README.
   */
  private static List<String> shipped(Map<String, ? extends NamedFactory> factories) {
    List<String> out = new ArrayList<>();
    factories.forEach(
        (name, f) -> {
          if (!f.getClass().getName().startsWith("io.cbns.examples.")) {
            out.add(name);
          }
        });
    return out;
  }

  @Test
  void everyPluginOptionIsDocumentedWithItsDefault() throws IOException {
    List<String> problems = new ArrayList<>();
    for (Kind kind : List.of(SAMPLER, FREQUENCY, TOWER, SOURCE, LISTENER)) {
      Documented doc = documented(kind);
      byKind
          .get(kind.name)
          .forEach(
              (plugin, options) -> {
                Map<String, String> keys = doc.keys.getOrDefault(plugin, Map.of());
                Set<String> listed = doc.listed.getOrDefault(plugin, Set.of());
                options.forEach(
                    (key, option) -> {
                      String where = kind.name + " " + plugin + ", key " + key;
                      if (keys.containsKey(key)) {
                        String problem = compareDefault(option, keys.get(key));
                        if (problem != null) {
                          problems.add(where + ": " + problem);
                        }
                      } else if (!listed.contains(key)
                          || (option.defaultValue() != null && !option.derived())) {
                        problems.add(
                            where
                                + " (default "
                                + option.defaultValue()
                                + ") is not in a '| key | default |' table under the heading `"
                                + plugin
                                + "` of docs/"
                                + kind.doc);
                      }
                    });
              });
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyDocumentedPluginKeyExistsInTheCode() throws IOException {
    List<String> problems = new ArrayList<>();
    for (Kind kind : List.of(SAMPLER, FREQUENCY, TOWER, SOURCE, LISTENER)) {
      Documented doc = documented(kind);
      Map<String, Map<String, Option>> inCode = byKind.get(kind.name);
      doc.keys.forEach(
          (plugin, keys) -> {
            Map<String, Option> options = inCode.get(plugin);
            if (options == null) {
              problems.add("docs/" + kind.doc + " documents options of an unknown " + plugin);
              return;
            }
            for (String key : keys.keySet()) {
              if (!options.containsKey(key)) {
                problems.add("docs/" + kind.doc + ": " + plugin + " does not read '" + key + "'");
              }
            }
          });
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theCollectionFindsOptionsAtAll() {
    // guards the other tests against passing because nothing was collected
    assertThat(byKind.get(SAMPLER.name).get("cross-batch")).containsKey("bank-size");
    assertThat(byKind.get(TOWER.name).get("youtube-dnn").get("embedding-dim").derived()).isTrue();
    assertThat(byKind.get(SOURCE.name).get("lightgcn")).containsKeys("path", "overwrite");
    assertThat(byKind.get(FREQUENCY.name).get("streaming")).containsKey("alpha");
  }

  @Test
  void theDefaultComparisonCatchesADifference() {
    assertThat(compareDefault(new Option("1024", false), "`512`")).isNotNull();
    assertThat(compareDefault(new Option("0.01", false), "0.010")).isNull();
    assertThat(compareDefault(new Option("1048576", false), "1048576 (2^20)")).isNull();
    assertThat(compareDefault(new Option("embeddings", false), "`ids`")).isNotNull();
    assertThat(compareDefault(new Option("7", true), "")).isNotNull();
    assertThat(compareDefault(new Option("7", true), "one epoch")).isNull();
  }

  /** Null when the documented default matches the code's. */
  private static String compareDefault(Option option, String documented) {
    String doc = documented.replace("`", "").trim();
    String code = option.defaultValue();
    if (code == null) {
      return null;
    }
    if (option.derived()) {
      return doc.isEmpty() ? "its default depends on the context: describe it" : null;
    }
    if (isUnbounded(code) && doc.startsWith("(")) {
      return null; // a sentinel such as -Double.MAX_VALUE documented as "(none)"
    }
    if (doc.equals(code) || doc.startsWith(code + " ") || sameNumber(code, doc)) {
      return null;
    }
    return "documented default '" + documented + "', code default '" + code + "'";
  }

  private static boolean isUnbounded(String value) {
    try {
      return Math.abs(Double.parseDouble(value)) >= 1e300
          || value.equals(String.valueOf(Long.MAX_VALUE))
          || value.equals(String.valueOf(Long.MIN_VALUE));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Whether the first word of {@code doc} is the number {@code code} (e.g. 1.0 and 1). */
  private static boolean sameNumber(String code, String doc) {
    try {
      return new BigDecimal(code).compareTo(new BigDecimal(doc.split("[\\s(]")[0])) == 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Records the options of one plugin: union of keys, derived when the defaults differ. */
  private static void put(
      String kind, String plugin, List<Options.OptionSpec> a, List<Options.OptionSpec> b) {
    Map<String, String> first = defaults(a);
    Map<String, String> second = defaults(b);
    Map<String, Option> options = new TreeMap<>();
    Set<String> keys = new TreeSet<>(first.keySet());
    keys.addAll(second.keySet());
    for (String key : keys) {
      String x = first.get(key);
      String y = second.get(key);
      boolean derived = first.containsKey(key) && second.containsKey(key) && !eq(x, y);
      options.put(key, new Option(x != null ? x : y, derived));
    }
    byKind.computeIfAbsent(kind, k -> new TreeMap<>()).put(plugin, options);
  }

  private static boolean eq(String x, String y) {
    return x == null ? y == null : x.equals(y);
  }

  /** Key (relative to the section) to default; nested sections are not options of their own. */
  private static Map<String, String> defaults(List<Options.OptionSpec> specs) {
    Map<String, String> out = new TreeMap<>();
    for (Options.OptionSpec s : specs) {
      if (!s.type().equals("section")) {
        String key = s.keyPath().substring(s.keyPath().indexOf('.') + 1);
        out.put(key, s.defaultValue());
      }
    }
    return out;
  }

  /** What differs between the two creations of each plugin. */
  private record Context(Path dir, int dimension, int batchSize, long stepsPerEpoch, String name) {}

  private static List<Options.OptionSpec> sourceOptions(String name, Context c) throws IOException {
    Files.createDirectories(c.dir());
    Map<String, Object> values = new LinkedHashMap<>(requiredSourceOptions(name, c));
    Options o = Options.of("data", values);
    try (InteractionDataset ignored =
        registry
            .datasetSources()
            .get(name)
            .open(new DatasetContext(c.dir().resolve("cache"), 1), o)) {
      // opened only to record what it reads
    }
    List<Options.OptionSpec> specs = new ArrayList<>(o.specs());
    if (DatasetImporter.FORMATS.contains(name)) {
      // the same keys through `cbns import`, which adds its own (overwrite)
      Options imported = Options.of("data", values);
      DatasetImporter.run(name, imported, c.dir().resolve("imported-" + name));
      specs.addAll(imported.specs());
    }
    return specs;
  }

  /**
   * The keys a source cannot open without. A new source that needs some fails here with its
   * message: add them.
   */
  private static Map<String, Object> requiredSourceOptions(String name, Context c)
      throws IOException {
    return switch (name) {
      case "synthetic" -> Map.of("users", 30, "items", 20, "interactions-per-user", 4);
      case "lightgcn" -> Map.of("path", lightGcnDir(c).toString());
      case "delimited" -> Map.of("path", csv(c).toString());
      case "arrow" -> {
        Path dir = c.dir().resolve("arrow-" + c.name());
        if (!Files.exists(dir)) {
          DatasetImporter.run("delimited", Options.of("", Map.of("path", csv(c).toString())), dir);
        }
        yield Map.of("path", dir.toString());
      }
      default -> Map.of();
    };
  }

  private static Path lightGcnDir(Context c) throws IOException {
    Path dir = c.dir().resolve("lightgcn-" + c.name());
    Files.createDirectories(dir);
    StringBuilder train = new StringBuilder();
    StringBuilder test = new StringBuilder();
    for (int u = 0; u < 12; u++) {
      train.append(u).append(' ').append(u % 7).append(' ').append((u + 3) % 7).append('\n');
      test.append(u).append(' ').append((u + 1) % 7).append('\n');
    }
    Files.writeString(dir.resolve("train.txt"), train);
    Files.writeString(dir.resolve("test.txt"), test);
    return dir;
  }

  private static Path csv(Context c) throws IOException {
    Path file = c.dir().resolve(c.name() + ".csv");
    StringBuilder s = new StringBuilder();
    for (int u = 0; u < 12; u++) {
      for (int j = 0; j < 4; j++) {
        s.append(u).append(',').append((u * 3 + j) % 9).append('\n');
      }
    }
    Files.writeString(file, s);
    return file;
  }

  private static InteractionDataset tinySyntheticDataset(Path cache) {
    return registry
        .datasetSources()
        .get("synthetic")
        .open(
            new DatasetContext(cache, 1),
            Options.of(
                "data",
                Map.of(
                    "users", 30, "items", 20, "interactions-per-user", 4, "item-features", true)));
  }

  private static List<Options.OptionSpec> towerOptions(
      String name, InteractionDataset data, Context c) {
    Options o = Options.empty("model");
    try (NDManager manager = NDManager.newBaseManager();
        TwoTowerModel ignored =
            registry
                .towers()
                .get(name)
                .create(
                    new TowerContext(
                        data.info().numUsers(),
                        data.info().numItems(),
                        c.dimension(),
                        true,
                        1,
                        data.trainByUser(),
                        data.itemFeatures(),
                        data.userFeatures(),
                        manager),
                    o)) {
      return o.specs();
    }
  }

  private static List<Options.OptionSpec> samplerOptions(String name, Context c) throws Exception {
    Options o = Options.empty("sampler");
    try (NDManager manager = NDManager.newBaseManager();
        NegativeSampler ignored =
            registry
                .samplers()
                .get(name)
                .create(
                    new SamplerContext(
                        50, c.dimension(), c.batchSize(), c.stepsPerEpoch(), 1, manager),
                    o)) {
      return o.specs();
    }
  }

  private static List<Options.OptionSpec> frequencyOptions(String name, Context c) {
    Options o = Options.empty("frequency");
    registry
        .frequencyEstimators()
        .get(name)
        .create(new FrequencyContext(50, new long[50], c.batchSize()), o);
    return o.specs();
  }

  private static List<Options.OptionSpec> listenerOptions(String name, Context c)
      throws IOException {
    Options o = Options.empty(name);
    Files.createDirectories(c.dir());
    try (NDManager m = NDManager.newBaseManager()) {
      registry
          .listeners()
          .get(name)
          .create(new io.cbns.core.train.ListenerContext(c.dir(), 1, m), o)
          .ifPresent(TestPluginOptionDocs::closeIfCloseable);
    }
    return o.specs();
  }

  private static void closeIfCloseable(Object o) {
    if (o instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** The documented keys of each plugin of a kind, and the keys named in summary rows. */
  private record Documented(
      Map<String, Map<String, String>> keys, Map<String, Set<String>> listed) {}

  private static Documented documented(Kind kind) throws IOException {
    Map<String, Map<String, String>> keys = new TreeMap<>();
    Map<String, Set<String>> listed = new TreeMap<>();
    Set<String> plugins = byKind.get(kind.name).keySet();
    String plugin = null;
    int pluginLevel = 0;
    boolean inKeyTable = false;
    for (String line : Files.readAllLines(DOCS.resolve(kind.doc))) {
      Matcher h = HEADING.matcher(line);
      if (h.matches() && !line.startsWith("#!")) {
        int level = h.group(1).length();
        String title = h.group(2);
        Matcher p = PLUGIN_HEADING.matcher(title);
        if (kind == LISTENER ? title.startsWith("Feature-drift monitor") : p.find()) {
          plugin = kind == LISTENER ? "drift" : p.group(1);
          pluginLevel = level;
        } else if (level <= pluginLevel) {
          plugin = null;
        }
        inKeyTable = false;
        continue;
      }
      if (!line.startsWith("|")) {
        inKeyTable = false;
        continue;
      }
      String[] cells = line.split("(?<!\\\\)\\|", -1);
      if (cells.length < 3) {
        continue;
      }
      String first = cells[1].trim();
      if (first.equals("key") && cells[2].trim().equals("default")) {
        inKeyTable = true;
        continue;
      }
      if (inKeyTable && plugin != null && plugins.contains(plugin)) {
        Matcher m = CODE.matcher(first);
        while (m.find()) {
          keys.computeIfAbsent(plugin, k -> new TreeMap<>())
              .put(bare(m.group(1), kind), cells[2].trim());
        }
      } else if (!inKeyTable) {
        String name = first.replace("`", "");
        if (first.startsWith("`") && plugins.contains(name)) {
          for (int i = 2; i < cells.length; i++) {
            Matcher m = CODE.matcher(cells[i]);
            while (m.find()) {
              listed.computeIfAbsent(name, k -> new TreeSet<>()).add(bare(m.group(1), kind));
            }
          }
        }
      }
    }
    return new Documented(keys, listed);
  }

  /** {@code model.init-std} to {@code init-std} (in the tower's page). */
  private static String bare(String key, Kind kind) {
    return key.startsWith(kind.section + ".") ? key.substring(kind.section.length() + 1) : key;
  }
}
