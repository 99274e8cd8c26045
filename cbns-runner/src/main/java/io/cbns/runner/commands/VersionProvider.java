package io.cbns.runner.commands;

import picocli.CommandLine.IVersionProvider;

/** The version of the framework, from the jar manifest. */
public final class VersionProvider implements IVersionProvider {
  /** The framework version, {@code dev} when not run from a jar. */
  public static String version() {
    String v = VersionProvider.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  @Override
  public String[] getVersion() {
    return new String[] {"cbns " + version()};
  }
}
