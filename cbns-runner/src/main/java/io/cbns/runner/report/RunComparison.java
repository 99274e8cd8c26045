package io.cbns.runner.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.cbns.core.AtomicFiles;
import io.cbns.core.RunDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/** Several runs side by side: one table and one bar chart of their final metrics. */
public final class RunComparison {
  private RunComparison() {}

  /** One run's line. */
  record Row(
      String run,
      String tower,
      String sampler,
      int epochs,
      double trainSeconds,
      double recall,
      double ndcg,
      double popularRecall) {}

  /** The table, Recall@k and NDCG@k of each run and of the most-popular baseline. */
  public static String table(List<Path> runs, int k) {
    List<Row> rows = rows(runs, k);
    int w = Math.max(3, rows.stream().mapToInt(r -> r.run().length()).max().orElse(3)) + 2;
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%-" + w + "s%-14s%-14s%7s%10s%12s%12s%14s%n",
            "run",
            "tower",
            "sampler",
            "epochs",
            "train s",
            "Recall@" + k,
            "NDCG@" + k,
            "popular R@" + k));
    for (Row r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-" + w + "s%-14s%-14s%7d%10.1f%12.4f%12.4f%14.4f%n",
              r.run(),
              r.tower(),
              r.sampler(),
              r.epochs(),
              r.trainSeconds(),
              r.recall(),
              r.ndcg(),
              r.popularRecall()));
    }
    return sb.toString();
  }

  /** A bar chart of Recall@k and NDCG@k per run, written atomically to {@code png}. */
  public static void chart(List<Path> runs, int k, Path png) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (Row r : rows(runs, k)) {
      data.addValue(r.recall(), "Recall@" + k, r.run());
      data.addValue(r.ndcg(), "NDCG@" + k, r.run());
    }
    System.setProperty("java.awt.headless", "true");
    JFreeChart chart =
        ChartStyle.apply(
            ChartFactory.createBarChart(
                "Final metrics",
                "run",
                "value",
                data,
                PlotOrientation.VERTICAL,
                true,
                false,
                false));
    AtomicFiles.write(
        png,
        out -> {
          try {
            ChartUtils.writeChartAsPNG(out, chart, 900, 450);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private static List<Row> rows(List<Path> runs, int k) {
    List<Row> rows = new ArrayList<>();
    for (Path run : runs) {
      JsonNode s = RunFiles.json(run, RunDirectory.SUMMARY_FILE);
      rows.add(
          new Row(
              String.valueOf(run.getFileName()),
              s.path("tower").asText(),
              s.path("sampler").asText(),
              s.path("epochs").asInt(),
              s.path("train_seconds").asDouble(),
              metric(s, run, "model", "recall@" + k),
              metric(s, run, "model", "ndcg@" + k),
              metric(s, run, "most_popular", "recall@" + k)));
    }
    return rows;
  }

  private static double metric(JsonNode summary, Path run, String who, String key) {
    JsonNode v = summary.path(who).path(key);
    if (v.isMissingNode()) {
      throw new io.cbns.core.CbnsException(
          run + " has no " + key + " (evaluated: " + summary.path(who) + "); pick another -k");
    }
    return v.asDouble();
  }
}
