package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import io.cbns.core.AtomicFiles;
import io.cbns.core.CbnsException;
import io.cbns.core.RunDirectory;
import io.cbns.core.eval.RankingMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Appends one JSON object per line to {@code metrics.jsonl} (one line per evaluation) and {@code
 * epochs.jsonl} (one line per epoch: loss and timings) in the run directory. Each line is written
 * and flushed whole, so a killed run leaves only complete lines. A resumed run first drops the
 * lines written after its checkpoint (they are written again), rewriting each file atomically.
 */
public final class MetricsFileListener implements TrainingListener {
  private final Path metrics;
  private final Path epochs;
  private double lastLoss = Double.NaN;
  private double trainSeconds;

  public MetricsFileListener(Path runDir) {
    requireNonNull(runDir, "runDir is null");
    this.metrics = RunDirectory.of(runDir).metrics();
    this.epochs = RunDirectory.of(runDir).epochs();
  }

  @Override
  public void onTrainingBegin(TrainingInfo info) {
    if (!info.resumed()) {
      return;
    }
    trainSeconds = 0;
    lastLoss = Double.NaN;
    StringBuilder kept = new StringBuilder();
    for (String line : lines(epochs)) {
      if (field(line, "epoch") <= info.resumedAtEpoch()) {
        kept.append(line).append('\n');
        trainSeconds += field(line, "train_seconds");
        lastLoss = field(line, "loss");
      }
    }
    AtomicFiles.writeString(epochs, kept.toString());
    kept.setLength(0);
    for (String line : lines(metrics)) {
      if (field(line, "step") <= info.resumedAtStep()) {
        kept.append(line).append('\n');
      }
    }
    AtomicFiles.writeString(metrics, kept.toString());
  }

  private static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      throw new CbnsException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** A numeric top-level field of one of this listener's lines (NaN when absent or null). */
  private static double field(String line, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":([-0-9.eE+]+)").matcher(line);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  @Override
  public void onEpochEnd(EpochInfo e) {
    lastLoss = e.meanLoss();
    trainSeconds += e.trainSeconds();
    append(
        epochs,
        "{\"epoch\":%d,\"steps\":%d,\"loss\":%s,\"train_seconds\":%s,\"batch_wait_seconds\":%s,"
            + "\"interactions\":%d}",
        e.epoch() + 1,
        e.steps(),
        num(e.meanLoss()),
        num(e.trainSeconds()),
        num(e.batchWaitSeconds()),
        e.interactions());
  }

  @Override
  public void onEvaluation(EvaluationInfo ev) {
    append(
        metrics,
        "{\"epoch\":%d,\"step\":%d,\"split\":\"%s\",\"loss\":%s,\"train_seconds\":%s,"
            + "\"eval_seconds\":%s,\"users\":%d,\"model\":%s,\"most_popular\":%s}",
        ev.epoch(),
        ev.step(),
        ev.split(),
        num(lastLoss),
        num(trainSeconds),
        num(ev.seconds()),
        ev.model().users(),
        metricsJson(ev.model()),
        metricsJson(ev.mostPopular()));
  }

  /** {@code {"recall@20":0.1,"ndcg@20":0.05,...}} */
  public static String metricsJson(RankingMetrics m) {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<Integer, Double> e : m.recall().entrySet()) {
      sb.append("\"recall@").append(e.getKey()).append("\":").append(num(e.getValue())).append(',');
    }
    for (Map.Entry<Integer, Double> e : m.ndcg().entrySet()) {
      sb.append("\"ndcg@").append(e.getKey()).append("\":").append(num(e.getValue())).append(',');
    }
    sb.setLength(sb.length() - 1);
    return sb.append('}').toString();
  }

  private static String num(double d) {
    return Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : "null";
  }

  private static void append(Path file, String format, Object... args) {
    String line = String.format(Locale.ROOT, format, args) + "\n";
    try (Writer w =
        Files.newBufferedWriter(
            file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      w.write(line);
    } catch (IOException e) {
      throw new CbnsException(
          "cannot write " + file + ": " + e.getMessage(), new UncheckedIOException(e));
    }
  }
}
