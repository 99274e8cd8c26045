package io.cbns.runner.commands;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.core.model.FixedEmbeddings;
import io.cbns.core.model.NeighbourSmoothing;
import io.cbns.core.spi.PluginRegistry;
import io.cbns.runner.serving.TrainedRun;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cbns smooth RUN_DIR}: evaluates a grid of neighbourhood-smoothing weights ({@link
 * NeighbourSmoothing}) on a trained run, on its validation split by default, so that the weights
 * are chosen there and written into the configuration ({@code smoothing.user-weight}, {@code
 * smoothing.item-weight}) of the final run.
 */
@Command(
    name = "smooth",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate neighbourhood smoothing of a trained run's towers (user' = user + U * unit(mean of"
          + " the user's items), item' = item + I * unit(mean of the item's users)) for every"
          + " pair of --user-weights and --item-weights, on the run's validation split. Put the"
          + " chosen pair in the configuration's smoothing section. See docs/models.md."
    })
public final class SmoothCommand implements Callable<Integer> {
  private final PluginRegistry plugins;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "RUN_DIR", description = "A run directory written by cbns train.")
  Path runDir;

  @Option(
      names = "--user-weights",
      split = ",",
      paramLabel = "U",
      description = "User-side weights to try (default: -0.3,-0.2,-0.1,0).")
  List<Double> userWeights = List.of(-0.3, -0.2, -0.1, 0.0);

  @Option(
      names = "--item-weights",
      split = ",",
      paramLabel = "I",
      description = "Item-side weights to try (default: 0,0.5,1,1.5).")
  List<Double> itemWeights = List.of(0.0, 0.5, 1.0, 1.5);

  @Option(
      names = "--split",
      paramLabel = "SPLIT",
      description =
          "validation (default; the run needs data.validation-ratio) or test (only to report the"
              + " pair chosen on validation, once).")
  String split = "validation";

  @Option(names = "--k", paramLabel = "K", description = "The cut-off (default: 20).")
  int k = 20;

  @Inject
  SmoothCommand(PluginRegistry plugins) {
    this.plugins = plugins;
  }

  @Override
  public Integer call() {
    if (!split.equals("validation") && !split.equals("test")) {
      throw new CbnsException("--split must be validation or test, got '" + split + "'");
    }
    if (k < 1) {
      throw new CbnsException("--k must be at least 1, got " + k);
    }
    if (split.equals("test") && (userWeights.size() != 1 || itemWeights.size() != 1)) {
      throw new CbnsException(
          "--split test reports the one pair chosen on validation: give one --user-weights and"
              + " one --item-weights value");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (TrainedRun run = TrainedRun.open(plugins, runDir);
        NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      InteractionDataset dataset = run.dataset();
      CsrMatrix train = dataset.trainByUser();
      CsrMatrix relevant;
      CsrMatrix exclude;
      if (split.equals("validation")) {
        relevant =
            dataset
                .validationByUser()
                .orElseThrow(
                    () ->
                        new CbnsException(
                            runDir
                                + " has no validation split: train with data.validation-ratio"
                                + " (e.g. 0.1) to choose the weights there"));
        exclude = train;
      } else {
        relevant = dataset.testByUser();
        exclude = dataset.testExclusion();
      }
      // the towers' outputs and their neighbourhood sums, computed once for every pair
      FixedEmbeddings base =
          NeighbourSmoothing.NONE.apply(
              run.trainedTowers(), train, dataset.info().numUsers(), manager);
      NeighbourSmoothing.Neighbourhoods tables =
          NeighbourSmoothing.Neighbourhoods.of(base.dimension(), base.users(), base.items(), train);
      FullRankingEvaluator evaluator = new FullRankingEvaluator(List.of(k), 1024);
      out.printf(
          Locale.ROOT,
          "%s Recall@%d and NDCG@%d of %s for each smoothing pair:%n%n",
          split,
          k,
          k,
          runDir);
      out.printf(Locale.ROOT, "| user-weight | item-weight | Recall@%d | NDCG@%d |%n", k, k);
      out.println("|---|---|---|---|");
      double best = -1;
      NeighbourSmoothing bestPair = null;
      for (double u : userWeights) {
        for (double i : itemWeights) {
          NeighbourSmoothing s = new NeighbourSmoothing(u, i);
          RankingMetrics m = evaluator.evaluate(manager, tables.smooth(s), exclude, relevant);
          out.printf(Locale.ROOT, "| %s | %s | %.4f | %.4f |%n", u, i, m.recallAt(k), m.ndcgAt(k));
          out.flush();
          if (m.recallAt(k) > best) {
            best = m.recallAt(k);
            bestPair = s;
          }
        }
      }
      if (split.equals("validation")) {
        out.printf(
            Locale.ROOT,
            "%nbest on validation: smoothing.user-weight %s, smoothing.item-weight %s"
                + " (Recall@%d %.4f)%n",
            bestPair.userWeight(),
            bestPair.itemWeight(),
            k,
            best);
      }
    }
    return 0;
  }
}
