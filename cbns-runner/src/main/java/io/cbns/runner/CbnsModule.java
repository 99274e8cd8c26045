package io.cbns.runner;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.cbns.core.spi.PluginRegistry;
import java.time.Clock;

/**
 * The composition root's bindings: the plugins discovered with {@link java.util.ServiceLoader} on
 * the class path (duplicate names fail here, at start-up) and the clock.
 */
public final class CbnsModule extends AbstractModule {
  private final ClassLoader classLoader;

  public CbnsModule(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  @Provides
  @Singleton
  PluginRegistry plugins() {
    return PluginRegistry.discover(classLoader);
  }

  @Provides
  @Singleton
  Clock clock() {
    return Clock.systemDefaultZone();
  }
}
