package io.cbns.runner.report;

import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.train.EpochInfo;
import io.cbns.core.train.EvaluationInfo;
import io.cbns.core.train.StepInfo;
import io.cbns.core.train.TrainingInfo;
import io.cbns.core.train.TrainingListener;
import io.cbns.core.train.TrainingSummary;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training progress: a progress bar per epoch (step, loss, examples/s, ETA) when the output
 * is a terminal, one plain line per epoch and evaluation otherwise (CI, files).
 *
 * <p>It is also the evaluator's {@link FullRankingEvaluator.Progress}: give it to {@link
 * FullRankingEvaluator#withProgress} and a long evaluation shows a bar of users ranked (or, in a
 * log, a line every {@link TaskProgress#LINE_INTERVAL_SECONDS} seconds). Called on the training
 * thread only.
 */
public final class ConsoleProgressListener
    implements TrainingListener, FullRankingEvaluator.Progress {
  private final PrintWriter out;
  private final boolean interactive;
  private TrainingInfo info;
  private ProgressBar bar;
  private TaskProgress evaluation;
  private double recentLoss = Double.NaN;
  private long examples;
  private long nanos;

  public ConsoleProgressListener(PrintWriter out, boolean interactive) {
    this.out = out;
    this.interactive = interactive;
  }

  @Override
  public void onTrainingBegin(TrainingInfo info) {
    this.info = info;
    out.printf(
        Locale.ROOT,
        "training on %s: %,d users, %,d items, %,d train interactions; %d epochs x %,d steps"
            + " of %d%n",
        info.dataset().name(),
        info.dataset().numUsers(),
        info.dataset().numItems(),
        info.dataset().numTrain(),
        info.epochs(),
        info.stepsPerEpoch(),
        info.batchSize());
    out.flush();
  }

  @Override
  public void onStep(StepInfo s) {
    recentLoss = Double.isNaN(recentLoss) ? s.loss() : 0.9 * recentLoss + 0.1 * s.loss();
    examples += s.batchSize();
    nanos += s.nanos();
    if (!interactive) {
      return;
    }
    if (bar == null) {
      bar =
          new ProgressBarBuilder()
              .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", s.epoch() + 1, info.epochs()))
              .setInitialMax(info.stepsPerEpoch())
              .setStyle(ProgressBarStyle.ASCII)
              .setUpdateIntervalMillis(250)
              .continuousUpdate()
              .build();
    }
    bar.stepTo(s.stepInEpoch() + 1);
    bar.setExtraMessage(
        String.format(Locale.ROOT, "loss %.4f  %,.0f ex/s", recentLoss, examples / (nanos / 1e9)));
  }

  @Override
  public void onEpochEnd(EpochInfo e) {
    if (bar != null) {
      bar.close();
      bar = null;
    }
    out.printf(
        Locale.ROOT,
        "epoch %d/%d  loss %.4f  %.1fs  %,.0f interactions/s%s%n",
        e.epoch() + 1,
        info.epochs(),
        e.meanLoss(),
        e.trainSeconds(),
        e.interactions() / e.trainSeconds(),
        e.batchWaitSeconds() > 0.02 * e.trainSeconds()
            ? String.format(Locale.ROOT, "  (waited %.1fs for data)", e.batchWaitSeconds())
            : "");
    examples = 0;
    nanos = 0;
    out.flush();
  }

  @Override
  public void onUsersRanked(int usersDone, int usersTotal) {
    if (evaluation == null) {
      if (bar != null) {
        bar.close();
        bar = null;
      }
      evaluation = TaskProgress.start(out, interactive, "evaluating", usersTotal, "users");
    }
    evaluation.stepTo(usersDone);
    if (usersDone >= usersTotal) {
      closeEvaluation();
    }
  }

  private void closeEvaluation() {
    if (evaluation != null) {
      evaluation.close();
      evaluation = null;
    }
  }

  @Override
  public void onEvaluation(EvaluationInfo ev) {
    closeEvaluation();
    int k = ev.model().recall().keySet().iterator().next();
    out.printf(
        Locale.ROOT,
        "evaluation (%s, epoch %d): Recall@%d %.4f  NDCG@%d %.4f  (most popular %.4f / %.4f)"
            + "  %.1fs%n",
        ev.split(),
        ev.epoch(),
        k,
        ev.model().recallAt(k),
        k,
        ev.model().ndcgAt(k),
        ev.mostPopular().recallAt(k),
        ev.mostPopular().ndcgAt(k),
        ev.seconds());
    out.flush();
  }

  @Override
  public void onTrainingEnd(TrainingSummary summary) {
    closeEvaluation();
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
