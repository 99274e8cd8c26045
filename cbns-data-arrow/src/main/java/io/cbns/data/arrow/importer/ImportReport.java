package io.cbns.data.arrow.importer;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Locale;

/**
 * What {@link DatasetImporter#run} did.
 *
 * @param format the importer ({@code lightgcn}, {@code delimited})
 * @param name the dataset name
 * @param outputDir the dataset directory written
 * @param numUsers users in the dataset
 * @param numItems items in the dataset
 * @param trainInteractions rows of the train split
 * @param validationInteractions rows of the validation split (0 when there is none)
 * @param testInteractions rows of the test split
 * @param linesRead data lines read from the source files (headers and blank lines excluded)
 * @param belowThreshold rows dropped by {@code rating-threshold}
 * @param duplicates duplicate (user, item) rows removed
 * @param trainTestOverlap test rows removed because the pair is also in train
 * @param unseenDropped test/validation rows dropped because their user or item is not in train
 * @param unseenKept test/validation rows kept although their user or item is not in train
 * @param fingerprint the content fingerprint of the dataset
 * @param seconds wall time of the import
 */
public record ImportReport(
    String format,
    String name,
    Path outputDir,
    int numUsers,
    int numItems,
    long trainInteractions,
    long validationInteractions,
    long testInteractions,
    long linesRead,
    long belowThreshold,
    long duplicates,
    long trainTestOverlap,
    long unseenDropped,
    long unseenKept,
    String fingerprint,
    double seconds) {
  public ImportReport {
    requireNonNull(format, "format is null");
    requireNonNull(name, "name is null");
    requireNonNull(outputDir, "outputDir is null");
    requireNonNull(fingerprint, "fingerprint is null");
  }

  /** A few human-readable lines for the CLI. */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT, "imported %s (%s) into %s in %.1f s%n", name, format, outputDir, seconds));
    sb.append(
        String.format(
            Locale.ROOT,
            "  %,d users, %,d items; train %,d, %stest %,d interactions%n",
            numUsers,
            numItems,
            trainInteractions,
            validationInteractions > 0
                ? String.format(Locale.ROOT, "validation %,d, ", validationInteractions)
                : "",
            testInteractions));
    sb.append(String.format(Locale.ROOT, "  %,d lines read", linesRead));
    if (belowThreshold > 0) {
      sb.append(String.format(Locale.ROOT, ", %,d below the rating threshold", belowThreshold));
    }
    sb.append(String.format(Locale.ROOT, ", %,d duplicate pairs removed", duplicates));
    if (trainTestOverlap > 0) {
      sb.append(
          String.format(Locale.ROOT, ", %,d test pairs also in train removed", trainTestOverlap));
    }
    if (unseenDropped > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              ", %,d test/validation interactions with a user or item unseen in train dropped",
              unseenDropped));
    }
    if (unseenKept > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              ", %,d test/validation interactions with a user or item unseen in train kept",
              unseenKept));
    }
    sb.append(String.format(Locale.ROOT, "%n  fingerprint %s", fingerprint));
    return sb.toString();
  }
}
