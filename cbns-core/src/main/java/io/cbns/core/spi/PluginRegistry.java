package io.cbns.core.spi;

import static java.util.Objects.requireNonNull;

import io.cbns.core.config.ConfigException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The factories of a set of plugins, by kind and name. Duplicate names within a kind are an error
 * (two plugins must not silently shadow each other).
 */
public final class PluginRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);

  private final List<CbnsPlugin> plugins;
  private final Map<String, SamplerFactory> samplers;
  private final Map<String, TowerFactory> towers;
  private final Map<String, DatasetSourceFactory> datasets;
  private final Map<String, FrequencyEstimatorFactory> frequencies;
  private final Map<String, ListenerFactory> listeners;

  public PluginRegistry(List<CbnsPlugin> plugins) {
    this.plugins = List.copyOf(requireNonNull(plugins, "plugins is null"));
    this.samplers = index("sampler", CbnsPlugin::samplerFactories);
    this.towers = index("tower", CbnsPlugin::towerFactories);
    this.datasets = index("dataset source", CbnsPlugin::datasetSources);
    this.frequencies = index("frequency estimator", CbnsPlugin::frequencyEstimatorFactories);
    this.listeners = index("listener", CbnsPlugin::listenerFactories);
  }

  /** Discovers the plugins on the class path with {@link ServiceLoader}; fails if none. */
  public static PluginRegistry discover(ClassLoader loader) {
    List<CbnsPlugin> found = new ArrayList<>();
    ServiceLoader.load(CbnsPlugin.class, loader).forEach(found::add);
    if (found.isEmpty()) {
      throw new IllegalStateException(
          "no cbns plugin found on the class path (META-INF/services/"
              + CbnsPlugin.class.getName()
              + ")");
    }
    return new PluginRegistry(found);
  }

  public List<CbnsPlugin> plugins() {
    return plugins;
  }

  public Map<String, SamplerFactory> samplers() {
    return samplers;
  }

  public Map<String, TowerFactory> towers() {
    return towers;
  }

  public Map<String, DatasetSourceFactory> datasetSources() {
    return datasets;
  }

  public Map<String, FrequencyEstimatorFactory> frequencyEstimators() {
    return frequencies;
  }

  /** The listener factories, each asked on every run with the section named after it. */
  public Map<String, ListenerFactory> listeners() {
    return listeners;
  }

  /**
   * The factory called {@code name} in {@code factories}, or a {@link ConfigException} at {@code
   * keyPath} listing the valid names.
   */
  public static <F extends NamedFactory> F select(
      Map<String, F> factories, String name, String keyPath) {
    F f = factories.get(name);
    if (f == null) {
      throw new ConfigException(
          keyPath,
          "unknown name '" + name + "'; available: " + String.join(", ", factories.keySet()));
    }
    return f;
  }

  private <F extends NamedFactory> Map<String, F> index(
      String kind, Function<CbnsPlugin, List<F>> getter) {
    Map<String, F> byName = new TreeMap<>();
    Map<String, String> owner = new TreeMap<>();
    for (CbnsPlugin plugin : plugins) {
      for (F f : getter.apply(plugin)) {
        String prev = owner.putIfAbsent(f.name(), plugin.name());
        if (prev != null) {
          throw new IllegalStateException(
              "duplicate "
                  + kind
                  + " name '"
                  + f.name()
                  + "' from plugins "
                  + prev
                  + " and "
                  + plugin.name());
        }
        byName.put(f.name(), f);
        LOG.debug("registered {} '{}' from {}", kind, f.name(), plugin.name());
      }
    }
    return Collections.unmodifiableMap(byName);
  }
}
