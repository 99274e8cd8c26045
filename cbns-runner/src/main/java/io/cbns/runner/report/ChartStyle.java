package io.cbns.runner.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Paint;
import java.awt.Stroke;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;

/**
 * The look shared by the runner's charts: a white plot with light grid lines (JFreeChart's default
 * grey background makes light series unreadable) and a palette that stays distinguishable in print.
 */
final class ChartStyle {
  /** Matplotlib's "tab10" colours: distinct, readable on white. */
  private static final Color[] PALETTE = {
    new Color(0x1f77b4),
    new Color(0xff7f0e),
    new Color(0x2ca02c),
    new Color(0xd62728),
    new Color(0x9467bd),
    new Color(0x8c564b),
    new Color(0xe377c2),
    new Color(0x7f7f7f),
    new Color(0xbcbd22),
    new Color(0x17becf)
  };

  private static final Color GRID = new Color(0xdddddd);

  private ChartStyle() {}

  /** The {@code i}-th colour of the palette (wrapping around). */
  static Paint color(int i) {
    return PALETTE[Math.floorMod(i, PALETTE.length)];
  }

  /** A dashed line, for baselines drawn next to the model's solid one. */
  static Stroke dashed() {
    return new BasicStroke(
        1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f);
  }

  /** White background, light grid; for XY and category (bar) plots. */
  static JFreeChart apply(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    if (chart.getPlot() instanceof XYPlot p) {
      p.setBackgroundPaint(Color.WHITE);
      p.setDomainGridlinePaint(GRID);
      p.setRangeGridlinePaint(GRID);
      p.setOutlinePaint(Color.GRAY);
      for (int i = 0; i < Math.max(1, p.getSeriesCount()); i++) {
        p.getRenderer().setSeriesPaint(i, color(i));
      }
    } else if (chart.getPlot() instanceof CategoryPlot p) {
      p.setBackgroundPaint(Color.WHITE);
      p.setRangeGridlinePaint(GRID);
      p.setOutlinePaint(Color.GRAY);
      for (int i = 0; i < p.getDataset().getRowCount(); i++) {
        p.getRenderer().setSeriesPaint(i, color(i));
      }
      if (p.getRenderer() instanceof BarRenderer bars) {
        // flat bars: the default gradient and shadow read as noise
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
      }
    }
    return chart;
  }

  /**
   * Whole-number ticks on the x axis (epochs), and a range of at least one unit, so that a single
   * point is not drawn on an axis labelled "2E0 2E0 2E0 ...".
   */
  static void integerDomain(XYPlot plot) {
    NumberAxis x = (NumberAxis) plot.getDomainAxis();
    x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    x.setAutoRangeMinimumSize(1.0);
  }
}
