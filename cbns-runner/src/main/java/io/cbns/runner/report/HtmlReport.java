package io.cbns.runner.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.cbns.core.AtomicFiles;
import io.cbns.core.RunDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A self-contained HTML page about one run ({@code report.html}): the final metrics against the
 * most-popular baseline, the learning curves (loss per epoch; Recall@K and NDCG@K per evaluation,
 * model and baseline), the feature-drift chart when the run recorded one, the environment and the
 * resolved configuration. Charts are PNG images embedded as data URIs, so the file can be mailed or
 * archived alone.
 */
public final class HtmlReport {

  private HtmlReport() {}

  /** Writes {@code report.html} into {@code runDir}; returns its path. */
  public static Path write(Path runDir) {
    JsonNode summary = RunFiles.json(runDir, RunDirectory.SUMMARY_FILE);
    JsonNode provenance = RunFiles.json(runDir, RunDirectory.PROVENANCE_FILE);
    List<JsonNode> epochs = RunFiles.lines(runDir, "epochs.jsonl");
    List<JsonNode> evals = RunFiles.lines(runDir, RunDirectory.METRICS_FILE);
    String title =
        runDir.getFileName()
            + ": "
            + summary.path("tower").asText()
            + " + "
            + summary.path("sampler").asText();

    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(esc(title))
        .append("</title><style>body{font-family:sans-serif;margin:2em;max-width:1000px}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;")
        .append("text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{")
        .append("text-align:left}pre{background:#f8f8f8;padding:1em;overflow:auto}")
        .append("td{overflow-wrap:anywhere}table.kv td{text-align:left}")
        .append("img{max-width:100%}</style></head><body>\n<h1>")
        .append(esc(title))
        .append("</h1>\n");
    h.append("<p>")
        .append(summary.path("epochs").asInt())
        .append(" epochs, ")
        .append(summary.path("steps").asLong())
        .append(" steps, ")
        .append(String.format(Locale.ROOT, "%.1f", summary.path("train_seconds").asDouble()))
        .append(" s of training; stopped: ")
        .append(esc(summary.path("stop_reason").asText()))
        .append(".</p>\n");
    metricsTable(h, summary);
    h.append("<h2>Learning curves</h2>\n");
    if (!epochs.isEmpty()) {
      img(h, "loss per epoch", lossChart(epochs));
    }
    if (!evals.isEmpty()) {
      img(h, "ranking metrics per evaluation", metricsChart(evals));
    }
    Path drift = RunDirectory.of(runDir).driftChart();
    if (Files.isRegularFile(drift)) {
      h.append("<h2>Feature drift of the item tower</h2>\n");
      try {
        img(h, "feature drift", Files.readAllBytes(drift));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    h.append("<h2>Environment</h2>\n<table class=\"kv\">");
    environmentRows(h, "", provenance);
    h.append("</table>\n<h2>Configuration</h2>\n<pre>")
        .append(esc(RunFiles.text(runDir, RunDirectory.CONFIG_FILE)))
        .append("</pre>\n</body></html>\n");
    Path out = RunDirectory.of(runDir).report();
    AtomicFiles.writeString(out, h.toString());
    return out;
  }

  /** One row per value; nested objects (the dataset) as dotted keys rather than one long JSON. */
  private static void environmentRows(StringBuilder h, String prefix, JsonNode node) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix + e.getKey();
      if (e.getValue().isObject()) {
        environmentRows(h, key + ".", e.getValue());
        continue;
      }
      String value = e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString();
      h.append("<tr><td>")
          .append(esc(key))
          .append("</td><td>")
          .append(esc(value))
          .append("</td></tr>");
    }
  }

  private static void metricsTable(StringBuilder h, JsonNode summary) {
    JsonNode model = summary.path("model");
    JsonNode popular = summary.path("most_popular");
    if (model.isMissingNode()) {
      return;
    }
    h.append("<h2>Final metrics (")
        .append(esc(summary.path("split").asText("test")))
        .append(")</h2>\n<table id=\"final-metrics\"><tr><th></th>");
    for (Iterator<String> it = model.fieldNames(); it.hasNext(); ) {
      h.append("<th>").append(esc(it.next())).append("</th>");
    }
    h.append("</tr>");
    row(h, "model", model);
    row(h, "most popular", popular);
    h.append("</table>\n");
  }

  private static void row(StringBuilder h, String label, JsonNode values) {
    h.append("<tr><td>").append(esc(label)).append("</td>");
    for (Iterator<JsonNode> it = values.elements(); it.hasNext(); ) {
      h.append(String.format(Locale.ROOT, "<td>%.4f</td>", it.next().asDouble()));
    }
    h.append("</tr>");
  }

  private static byte[] lossChart(List<JsonNode> epochs) {
    XYSeries loss = new XYSeries("mean training loss");
    for (JsonNode e : epochs) {
      loss.add(e.path("epoch").asDouble(), e.path("loss").asDouble());
    }
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            "Training loss",
            "epoch",
            "mean loss",
            new XYSeriesCollection(loss),
            PlotOrientation.VERTICAL,
            false,
            false,
            false);
    XYPlot plot = chart.getXYPlot();
    plot.setRenderer(new XYLineAndShapeRenderer(true, true));
    ChartStyle.apply(chart);
    ChartStyle.integerDomain(plot);
    // the loss never reaches 0: an axis from 0 would flatten the curve
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    return png(chart);
  }

  private static byte[] metricsChart(List<JsonNode> evals) {
    XYSeriesCollection data = new XYSeriesCollection();
    List<Integer> metricOfSeries = new ArrayList<>();
    for (String who : List.of("model", "most_popular")) {
      int metricIndex = 0;
      for (Iterator<String> it = evals.get(0).path(who).fieldNames(); it.hasNext(); ) {
        String metric = it.next();
        XYSeries s = new XYSeries(who.replace('_', ' ') + " " + metric);
        for (JsonNode ev : evals) {
          s.add(ev.path("epoch").asDouble(), ev.path(who).path(metric).asDouble());
        }
        data.addSeries(s);
        metricOfSeries.add(metricIndex++);
      }
    }
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            "Ranking metrics (" + evals.get(evals.size() - 1).path("split").asText() + ")",
            "epoch",
            "value",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
    chart.getXYPlot().setRenderer(r);
    ChartStyle.apply(chart);
    ChartStyle.integerDomain(chart.getXYPlot());
    // one colour per metric; the baseline dashed in its metric's colour
    for (int i = 0; i < data.getSeriesCount(); i++) {
      r.setSeriesPaint(i, ChartStyle.color(metricOfSeries.get(i)));
      if (data.getSeriesKey(i).toString().startsWith("most popular")) {
        r.setSeriesStroke(i, ChartStyle.dashed());
      }
    }
    return png(chart);
  }

  private static byte[] png(JFreeChart chart) {
    System.setProperty("java.awt.headless", "true");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ChartUtils.writeChartAsPNG(out, chart, 900, 450);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void img(StringBuilder h, String alt, byte[] png) {
    h.append("<p><img alt=\"")
        .append(esc(alt))
        .append("\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(png))
        .append("\"></p>\n");
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
