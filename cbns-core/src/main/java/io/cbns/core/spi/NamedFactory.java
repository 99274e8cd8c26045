package io.cbns.core.spi;

/**
 * A factory selected by name from the configuration. Names are lower-case kebab-case and unique per
 * extension kind across all plugins.
 */
public interface NamedFactory {
  /** The name the configuration uses (e.g. {@code cross-batch}). */
  String name();

  /** One line for {@code cbns plugins} and the docs. */
  String description();
}
