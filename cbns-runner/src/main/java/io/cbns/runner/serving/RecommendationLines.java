package io.cbns.runner.serving;

import io.cbns.serving.IdMap;
import io.cbns.serving.Recommender.Recommendation;
import java.util.Locale;

/** The text {@code cbns recommend} prints: one line per user. */
public final class RecommendationLines {
  private RecommendationLines() {}

  /** One output line: {@code user<TAB>item:score,item:score,...}, scores with 6 decimals. */
  public static String formatLine(Recommendation r, IdMap users, IdMap items) {
    StringBuilder sb = new StringBuilder(16 + r.items().length * 16);
    sb.append(users.format(r.user())).append('\t');
    for (int i = 0; i < r.items().length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(items.format(r.items()[i])).append(':');
      appendFixed6(sb, r.scores()[i]);
    }
    return sb.toString();
  }

  /** Appends {@code value} with 6 decimals, as {@code %.6f} (which costs ~10x more per score). */
  static void appendFixed6(StringBuilder sb, float value) {
    double v = value;
    if (Double.isNaN(v) || Double.isInfinite(v) || Math.abs(v) >= 1e12) {
      sb.append(String.format(Locale.ROOT, "%.6f", v));
      return;
    }
    long micros = Math.round(Math.abs(v) * 1e6);
    if (v < 0 && micros != 0) {
      sb.append('-');
    }
    sb.append(micros / 1_000_000).append('.');
    String frac = Long.toString(micros % 1_000_000);
    for (int i = frac.length(); i < 6; i++) {
      sb.append('0');
    }
    sb.append(frac);
  }
}
