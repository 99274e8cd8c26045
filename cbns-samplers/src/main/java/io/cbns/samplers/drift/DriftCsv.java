package io.cbns.samplers.drift;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code drift.csv} format: a header line {@value #HEADER}, then one line per (measurement,
 * lag), numbers in Java's plain {@code Long}/{@code Double} notation, lines ending in {@code \n}.
 * See {@link DriftRecord} for the columns.
 *
 * <p>The writer ({@link FeatureDriftMonitor}) appends whole lines, so a reader running while
 * training is in progress, or after a crash, may only see a last line without its newline; {@link
 * #read} ignores such a line.
 */
public final class DriftCsv {
  public static final String HEADER = "step,dt,drift,mean_relative_drift";

  private DriftCsv() {}

  /** One record as a CSV line, without the newline. */
  public static String format(DriftRecord r) {
    return r.step() + "," + r.dt() + "," + r.drift() + "," + r.meanRelativeDrift();
  }

  /**
   * Reads every complete record of a drift file, in file order.
   *
   * @throws CbnsException when the file cannot be read, its header is not {@value #HEADER}, or a
   *     complete line is malformed (the message names file:line)
   */
  public static List<DriftRecord> read(Path file) {
    requireNonNull(file, "file is null");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CbnsException("cannot read the drift file " + file + ": " + e.getMessage(), e);
    }
    int end = text.lastIndexOf('\n');
    // a last line without its newline is still being written: leave it out
    String[] lines = end < 0 ? new String[0] : text.substring(0, end).split("\n", -1);
    if (lines.length == 0 || !lines[0].strip().equals(HEADER)) {
      throw new CbnsException(file + ":1: not a drift file: expected the header '" + HEADER + "'");
    }
    List<DriftRecord> out = new ArrayList<>(lines.length - 1);
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split(",", -1);
      try {
        if (f.length != 4) {
          throw new IllegalArgumentException("expected 4 columns, got " + f.length);
        }
        out.add(
            new DriftRecord(
                Long.parseLong(f[0]),
                Long.parseLong(f[1]),
                Double.parseDouble(f[2]),
                Double.parseDouble(f[3])));
      } catch (IllegalArgumentException e) {
        throw new CbnsException(
            file + ":" + (i + 1) + ": malformed drift record '" + line + "': " + e.getMessage(), e);
      }
    }
    return List.copyOf(out);
  }
}
