package io.cbns.runner;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.cbns.core.CbnsException;
import io.cbns.core.config.ConfigException;
import io.cbns.core.train.TrainingInterruptedException;
import io.cbns.runner.commands.CbnsCommand;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/**
 * The {@code cbns} command line. Exit codes (the table in docs/commands.md): 0 ok, 1 the command
 * failed at its work, 2 usage or configuration error, 130 training interrupted.
 */
public final class Main {
  /** The environment variable that sets the log level. */
  public static final String LOG_LEVEL_VARIABLE = "CBNS_LOG_LEVEL";

  private static final String LOG_PREFIX = "org.slf4j.simpleLogger.";
  private static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace");

  private Main() {}

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    String problem = configureLogging(System.getenv(LOG_LEVEL_VARIABLE));
    int code;
    if (problem != null) {
      err.println("error: " + problem);
      code = 2;
    } else {
      code = run(args, out, err);
    }
    // System.exit does not flush: whatever a command printed without a line end would be lost
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * Sets the logger's defaults unless the JVM's options already did: warnings and errors only (the
   * libraries' start-up notes stay out of the way), except the decisions training makes on its own
   * (a learning-rate cut, early stopping, restoring the best epoch, what a sampler's {@code auto}
   * chose, when a memory bank switches on), which are logged at info; or the level of {@code
   * CBNS_LOG_LEVEL} for everything. slf4j-simple reads them when the first logger is created, so
   * this runs before anything else.
   *
   * @return null, or what is wrong with {@code level}
   */
  static String configureLogging(String level) {
    String chosen = "warn";
    if (level == null || level.isBlank()) {
      for (String decisions :
          List.of("io.cbns.core.train", "io.cbns.core.optim", "io.cbns.samplers")) {
        setIfAbsent(LOG_PREFIX + "log." + decisions, "info");
      }
    } else {
      chosen = level.strip().toLowerCase(Locale.ROOT);
      if (!LOG_LEVELS.contains(chosen)) {
        return LOG_LEVEL_VARIABLE
            + "="
            + level
            + " is not a log level; use one of "
            + String.join(", ", LOG_LEVELS);
      }
    }
    setIfAbsent(LOG_PREFIX + "defaultLogLevel", chosen);
    setIfAbsent(LOG_PREFIX + "showThreadName", "false");
    setIfAbsent(LOG_PREFIX + "showDateTime", "true");
    setIfAbsent(LOG_PREFIX + "dateTimeFormat", "HH:mm:ss");
    // DJL looks for CUDA on every start and logs at info/warn when there is none
    setIfAbsent(LOG_PREFIX + "log.ai.djl.util.cuda.CudaUtils", "error");
    return null;
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /** Runs one command line; never calls {@code System.exit} (tests call this). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    Injector injector = Guice.createInjector(new CbnsModule(Main.class.getClassLoader()));
    CommandLine cli = new CommandLine(CbnsCommand.class, new GuiceFactory(injector));
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          Throwable t = unwrap(e);
          if (t instanceof TrainingInterruptedException) {
            err.println("interrupted: " + t.getMessage());
            return 130;
          }
          if (t instanceof ConfigException) {
            err.println("error: config " + t.getMessage());
            return 2;
          }
          if (t instanceof CbnsException) {
            err.println("error: " + t.getMessage());
            return 1;
          }
          throw e;
        });
    return cli.execute(args);
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while (!(t instanceof CbnsException)
        && t.getCause() != null
        && t.getCause() != t
        && (t instanceof com.google.inject.ProvisionException
            || t instanceof java.util.concurrent.ExecutionException
            || t instanceof java.io.UncheckedIOException
            || t.getCause() instanceof CbnsException)) {
      t = t.getCause();
    }
    return t;
  }

  /** Lets picocli create commands through Guice, so they get their dependencies injected. */
  private record GuiceFactory(Injector injector) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        return injector.getInstance(cls);
      } catch (com.google.inject.ConfigurationException e) {
        return CommandLine.defaultFactory().create(cls);
      }
    }
  }
}
