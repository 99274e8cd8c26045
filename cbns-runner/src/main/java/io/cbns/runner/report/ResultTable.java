package io.cbns.runner.report;

import io.cbns.core.eval.RankingMetrics;
import java.util.Locale;

/** The final metrics as a plain-text table: model against the most-popular baseline. */
public final class ResultTable {
  private ResultTable() {}

  public static String render(String modelLabel, RankingMetrics model, RankingMetrics popular) {
    int width = Math.max(modelLabel.length(), "most popular".length()) + 2;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-" + width + "s", ""));
    for (int k : model.recall().keySet()) {
      sb.append(String.format(Locale.ROOT, "%12s%12s", "Recall@" + k, "NDCG@" + k));
    }
    sb.append('\n');
    row(sb, width, modelLabel, model);
    row(sb, width, "most popular", popular);
    sb.append(String.format(Locale.ROOT, "(%,d test users)%n", model.users()));
    return sb.toString();
  }

  private static void row(StringBuilder sb, int width, String label, RankingMetrics m) {
    sb.append(String.format(Locale.ROOT, "%-" + width + "s", label));
    for (int k : m.recall().keySet()) {
      sb.append(String.format(Locale.ROOT, "%12.4f%12.4f", m.recallAt(k), m.ndcgAt(k)));
    }
    sb.append('\n');
  }
}
