package io.cbns.runner.report;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.cbns.core.config.Options;
import io.cbns.core.data.DatasetContext;
import io.cbns.core.data.InteractionDataset;
import io.cbns.core.eval.FullRankingEvaluator;
import io.cbns.core.eval.RankingMetrics;
import io.cbns.core.model.TowerContext;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.spi.PluginRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Progress of long tasks: plain log lines, and the evaluator's progress callback. */
final class TestProgressDisplay {
  private static final long SECOND = 1_000_000_000L;

  @TempDir Path tmp;

  @Test
  void plainLinesAreThrottledAndCarryCountsRateAndEta() {
    StringWriter text = new StringWriter();
    AtomicLong now = new AtomicLong();
    try (TaskProgress p =
        TaskProgress.plain(
            new PrintWriter(text), "embedding items", 1000, "items", now::get, 10 * SECOND)) {
      now.set(4 * SECOND);
      p.stepBy(100); // before the interval: nothing
      assertThat(text.toString()).isEmpty();
      now.set(10 * SECOND);
      p.stepBy(150);
      now.set(12 * SECOND);
      p.stepBy(50); // 2 s after the last line: nothing
      p.close();
      p.stepBy(100); // after close: nothing
    }
    // 250 items in 10 s: 25 items/s, 750 left: 30 s
    assertThat(text.toString())
        .isEqualTo("embedding items: 250/1,000 items (25%), 10s, ETA 30s" + System.lineSeparator());
  }

  @Test
  void theBarOfAShortTaskShowsItsRateNotAQuestionMark() throws InterruptedException {
    // an evaluation of a few hundred milliseconds: the library's own renderer divides by whole
    // seconds and drew "? users/s" for all of it
    List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    try (TaskProgress p = TaskProgress.rendering("evaluating", 1000, "users", lines::add)) {
      Thread.sleep(300);
      p.stepTo(500);
      Thread.sleep(300);
      p.stepTo(1000);
    }
    String last = lines.get(lines.size() - 1).strip();
    assertThat(last)
        .startsWith("evaluating 100% [")
        .contains("] 1,000/1,000 users, 0:00:00, ")
        .matches(".* [1-9][0-9,]* users/s$")
        .doesNotContain("?");
    assertThat(lines)
        .anySatisfy(l -> assertThat(l).contains("500/1,000 users").contains("ETA 0:00:0"));
  }

  @Test
  void aTaskOfUnknownSizeShowsCountAndTimeOnly() {
    StringWriter text = new StringWriter();
    AtomicLong now = new AtomicLong();
    try (TaskProgress p =
        TaskProgress.plain(
            new PrintWriter(text), "import lightgcn", -1, "lines", now::get, SECOND)) {
      now.set(3 * SECOND);
      p.stepTo(12_345);
      p.stepTo(100); // never goes back
      assertThat(p.done()).isEqualTo(12_345);
    }
    assertThat(text.toString().trim()).isEqualTo("import lightgcn: 12,345 lines, 3s");
  }

  @Test
  void theEvaluatorReportsEveryChunkAndTheListenerFollowsIt() {
    PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
    try (InteractionDataset data =
            registry
                .datasetSources()
                .get("synthetic")
                .open(
                    new DatasetContext(tmp, 1),
                    Options.of(
                        "data", Map.of("users", 50, "items", 30, "interactions-per-user", 5)));
        NDManager manager = NDManager.newBaseManager();
        TwoTowerModel model =
            registry
                .towers()
                .get("mf")
                .create(
                    new TowerContext(
                        data.info().numUsers(),
                        data.info().numItems(),
                        8,
                        true,
                        1,
                        data.trainByUser(),
                        data.itemFeatures(),
                        data.userFeatures(),
                        manager),
                    Options.empty("model"))) {
      List<int[]> calls = new ArrayList<>();
      FullRankingEvaluator plain = new FullRankingEvaluator(List.of(5), 7);
      FullRankingEvaluator reporting =
          plain.withProgress((done, total) -> calls.add(new int[] {done, total}));
      RankingMetrics expected =
          plain.evaluate(manager, model, data.trainByUser(), data.testByUser());
      RankingMetrics actual =
          reporting.evaluate(manager, model, data.trainByUser(), data.testByUser());

      assertThat(actual).isEqualTo(expected);
      int users = expected.users();
      assertThat(users).isGreaterThan(7);
      assertThat(calls).hasSize(1 + (users + 6) / 7);
      assertThat(calls.get(0)).containsExactly(0, users);
      assertThat(calls.get(calls.size() - 1)).containsExactly(users, users);
      for (int i = 1; i < calls.size(); i++) {
        assertThat(calls.get(i)[0]).isEqualTo(Math.min(users, 7 * i));
      }

      // the console listener as the callback: a short evaluation adds no line to a log
      StringWriter text = new StringWriter();
      ConsoleProgressListener console = new ConsoleProgressListener(new PrintWriter(text), false);
      plain.withProgress(console).evaluate(manager, model, data.trainByUser(), data.testByUser());
      assertThat(text.toString()).isEmpty();
    }
  }
}
