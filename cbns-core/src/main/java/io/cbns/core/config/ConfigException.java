package io.cbns.core.config;

import io.cbns.core.CbnsException;

/** A configuration error; the message names the key path (e.g. {@code sampler.bank-size}). */
public final class ConfigException extends CbnsException {
  private static final long serialVersionUID = 1L;

  private final String keyPath;

  public ConfigException(String keyPath, String message) {
    super(keyPath.isEmpty() ? message : keyPath + ": " + message);
    this.keyPath = keyPath;
  }

  /** The dotted path of the offending key, empty for the document root. */
  public String keyPath() {
    return keyPath;
  }
}
