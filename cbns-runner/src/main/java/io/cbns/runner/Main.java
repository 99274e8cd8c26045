package io.cbns.runner;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.cbns.core.CbnsException;
import io.cbns.core.config.ConfigException;
import io.cbns.core.train.TrainingInterruptedException;
import io.cbns.runner.commands.CbnsCommand;
import java.io.PrintWriter;
import picocli.CommandLine;

/** The {@code cbns} command line. Exit codes: 0 ok, 1 failure, 2 usage or configuration error. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
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
