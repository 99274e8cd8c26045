package io.cbns.runner.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.cbns.core.AtomicFiles;
import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Learning curves of several runs in one PNG: the Recall@K of each periodic evaluation against the
 * epoch (left) and against the training seconds so far (right), one line per run, from each run's
 * {@code metrics.jsonl}. Only the evaluations of one split are drawn ({@code validation} when a run
 * has it, else {@code test}), so that a curve never mixes the two.
 */
public final class LearningCurves {
  private static final int PANEL_WIDTH = 700;
  private static final int HEIGHT = 480;

  private LearningCurves() {}

  /** Draws the curves of {@code runs} at cut-off {@code k} into {@code png}, atomically. */
  public static void render(List<Path> runs, int k, Path png) {
    XYSeriesCollection byEpoch = new XYSeriesCollection();
    XYSeriesCollection bySeconds = new XYSeriesCollection();
    String split = null;
    for (Path run : runs) {
      List<JsonNode> lines = RunFiles.lines(run, RunDirectory.METRICS_FILE);
      String runSplit =
          lines.stream().anyMatch(l -> l.path("split").asText().equals("validation"))
              ? "validation"
              : "test";
      split = split == null || split.equals(runSplit) ? runSplit : "validation / test";
      String name = String.valueOf(run.getFileName());
      XYSeries e = new XYSeries(name, false, true);
      XYSeries s = new XYSeries(name, false, true);
      for (JsonNode l : lines) {
        if (!l.path("split").asText().equals(runSplit)) {
          continue;
        }
        JsonNode recall = l.path("model").path("recall@" + k);
        if (recall.isMissingNode()) {
          throw new CbnsException(
              RunDirectory.of(run).metrics() + " has no recall@" + k + "; pick another -k");
        }
        e.addOrUpdate(l.path("epoch").asDouble(), recall.asDouble());
        s.addOrUpdate(l.path("train_seconds").asDouble(), recall.asDouble());
      }
      if (e.getItemCount() == 0) {
        throw new CbnsException(run + " has no evaluation in metrics.jsonl to draw");
      }
      byEpoch.addSeries(e);
      bySeconds.addSeries(s);
    }
    String axis = split + " Recall@" + k;
    JFreeChart left = chart("Recall@" + k + " by epoch", "epoch", axis, byEpoch);
    JFreeChart right =
        chart("Recall@" + k + " by training time", "training seconds", axis, bySeconds);
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(2 * PANEL_WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      left.draw(g, new Rectangle2D.Double(0, 0, PANEL_WIDTH, HEIGHT));
      right.draw(g, new Rectangle2D.Double(PANEL_WIDTH, 0, PANEL_WIDTH, HEIGHT));
    } finally {
      g.dispose();
    }
    AtomicFiles.write(
        png,
        out -> {
          if (!ImageIO.write(image, "png", out)) {
            throw new java.io.IOException("no PNG writer");
          }
        });
  }

  private static JFreeChart chart(String title, String x, String y, XYSeriesCollection data) {
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            title, x, y, data, PlotOrientation.VERTICAL, true, false, false);
    // Recall never starts at 0 after the first epoch: an axis from 0 would flatten the curves
    ((org.jfree.chart.axis.NumberAxis) chart.getXYPlot().getRangeAxis())
        .setAutoRangeIncludesZero(false);
    var renderer = new org.jfree.chart.renderer.xy.XYLineAndShapeRenderer(true, true);
    chart.getXYPlot().setRenderer(renderer);
    return ChartStyle.apply(chart);
  }
}
