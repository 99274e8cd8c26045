package io.cbns.runner.report;

import io.cbns.core.AtomicFiles;
import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import io.cbns.samplers.drift.DriftCsv;
import io.cbns.samplers.drift.DriftRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws {@code drift.csv} as {@code drift.png}: feature drift D(t; dt) of the item tower over the
 * training steps, one line per dt, on a log scale (the paper's Fig. 2) when the values span more
 * than two decades, else on a linear one (a log axis over a narrower span labels one tick or none).
 */
public final class DriftChart {
  private DriftChart() {}

  /** Whether the run directory holds a drift series (training ran with the drift listener). */
  public static boolean hasSeries(Path runDir) {
    return Files.isRegularFile(RunDirectory.of(runDir).drift());
  }

  /** Renders the chart of the run directory's drift series; returns the PNG's path. */
  public static Path render(Path runDir) {
    Path csv = RunDirectory.of(runDir).drift();
    if (!Files.isRegularFile(csv)) {
      throw new CbnsException(
          csv + " not found: train with drift.enabled: true to record the feature drift");
    }
    List<DriftRecord> records = DriftCsv.read(csv);
    if (records.isEmpty()) {
      throw new CbnsException(csv + " holds no measurement yet");
    }
    Map<Long, XYSeries> byDt = new TreeMap<>();
    boolean positive = true;
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (DriftRecord r : records) {
      byDt.computeIfAbsent(r.dt(), dt -> new XYSeries("dt = " + dt)).add(r.step(), r.drift());
      positive &= r.drift() > 0;
      min = Math.min(min, r.drift());
      max = Math.max(max, r.drift());
    }
    XYSeriesCollection data = new XYSeriesCollection();
    byDt.values().forEach(data::addSeries);
    System.setProperty("java.awt.headless", "true");
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            "Feature drift of the item tower",
            "training step t",
            "D(t; dt) = sum ||g(I; t) - g(I; t - dt)||",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    if (positive && max / min > 100) {
      chart.getXYPlot().setRangeAxis(new LogarithmicAxis("D(t; dt), log scale"));
    }
    ChartStyle.apply(chart);
    Path png = RunDirectory.of(runDir).driftChart();
    AtomicFiles.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, 900, 500));
    return png;
  }
}
