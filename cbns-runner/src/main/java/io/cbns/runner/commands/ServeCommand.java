package io.cbns.runner.commands;

import io.cbns.core.spi.PluginRegistry;
import io.cbns.runner.serving.ServingSetup;
import io.cbns.runner.serving.TrainedRun;
import io.cbns.serving.Recommender;
import io.cbns.serving.http.RecommendServer;
import io.cbns.serving.http.ServerSettings;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cbns serve RUN_DIR --port P}: recommendations over HTTP (JSON) until SIGTERM or Ctrl-C,
 * which stop accepting and let the requests in flight finish.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serve recommendations of a run over HTTP with JSON: GET /recommend?user=ID&k=K, POST"
          + " /recommend (several users, or a user vector), GET /health (see docs/serving.md).",
      "Runs until SIGTERM or Ctrl-C, then finishes the requests in flight and exits."
    })
public final class ServeCommand implements Callable<Integer> {
  private final PluginRegistry plugins;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "RUN_DIR", description = "A run directory written by cbns train.")
  Path runDir;

  @Option(
      names = {"-p", "--port"},
      paramLabel = "P",
      defaultValue = "8080",
      description = "The port to listen on, 0 for any free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description =
          "The address to listen on: 127.0.0.1 (loopback only, the default) or 0.0.0.0 (every"
              + " interface).")
  String host;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "4",
      description = "Request threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--queue",
      paramLabel = "N",
      defaultValue = "64",
      description =
          "Requests that may wait for a thread; one more is answered 503 (default:"
              + " ${DEFAULT-VALUE}).")
  int queue;

  @Option(
      names = "--max-body-bytes",
      paramLabel = "N",
      defaultValue = "1048576",
      description = "The largest request body accepted, else 413 (default: ${DEFAULT-VALUE}).")
  int maxBodyBytes;

  @Option(
      names = "--max-k",
      paramLabel = "K",
      defaultValue = "1000",
      description = "The largest k a request may ask for (default: ${DEFAULT-VALUE}).")
  int maxK;

  @Option(
      names = "--max-users",
      paramLabel = "N",
      defaultValue = "1000",
      description = "The most users one POST may ask for (default: ${DEFAULT-VALUE}).")
  int maxUsers;

  @Mixin ServingMixin serving;

  @Inject
  ServeCommand(PluginRegistry plugins) {
    this.plugins = plugins;
  }

  @Override
  public Integer call() throws InterruptedException {
    ServerSettings settings;
    try {
      settings = new ServerSettings(host, port, threads, queue, maxBodyBytes, maxK, maxUsers, 5);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    var options = serving.options(spec);
    PrintWriter out = spec.commandLine().getOut();
    TrainedRun run = TrainedRun.open(plugins, runDir);
    Recommender recommender;
    RecommendServer server;
    try {
      recommender = ServingSetup.open(run, serving.onnxDir, options);
      try {
        server = RecommendServer.start(recommender, run.userIds(), run.itemIds(), settings);
      } catch (RuntimeException e) {
        recommender.close();
        throw e;
      }
    } catch (RuntimeException e) {
      run.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM and Ctrl-C run the shutdown hooks: stop accepting, finish what is in flight
    Thread hook =
        new Thread(
            () -> {
              server.close();
              recommender.close();
              run.close();
              out.printf("stopped after %,d requests%n", server.requestsServed());
              out.flush();
              stopped.countDown();
            },
            "cbns-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    var address = server.address();
    out.printf(
        "serving %s on http://%s:%d (%,d users, %,d items, %s, %s); SIGTERM or Ctrl-C stops%n",
        runDir,
        address.getHostString(),
        address.getPort(),
        recommender.numUsers(),
        recommender.numItems(),
        recommender.index().describe(),
        recommender.provider());
    out.flush();
    stopped.await();
    return 0;
  }
}
