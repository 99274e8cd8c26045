package io.cbns.data.arrow.importer;

import io.cbns.core.CbnsException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The records of a delimited text file, one line at a time, with the line each is on.
 *
 * <p>A literal separator (one or more characters) is read as CSV with RFC 4180 quoting, by Apache
 * Commons CSV: a field in double quotes may hold the separator and doubled quotes ({@code "a ""b"",
 * c"}); spaces around fields and around quoted fields are dropped. A line without any double quote
 * has nothing to unquote, and the CSV grammar splits it at every separator: such lines are split
 * here directly, which gives the same fields three times faster (commons-csv builds a token buffer,
 * a record and an array per line; {@code TestDelimitedReader} checks that both agree). A record may
 * not continue past its line: a quoted field still open at the end of its line is an error there
 * (ids, ratings and timestamps hold no line breaks, and an unbalanced quote would otherwise swallow
 * the lines up to the next quote).
 *
 * <p>The {@code whitespace} separator splits at runs of spaces and tabs without quoting (the
 * LightGCN-style layout, which no CSV dialect describes); one pair of surrounding double quotes is
 * removed from a field.
 *
 * <p>The text comes from {@link TextLines}, so every file is strict UTF-8 without control
 * characters, and every error names {@code file:line}. Blank lines are skipped. Not thread-safe;
 * close it.
 */
final class DelimitedReader implements Closeable {
  private final Path file;
  private final String separator;
  private final TextLines lines;
  private final CSVFormat format;
  private final List<String> fields = new ArrayList<>();
  private long lineNo;

  private DelimitedReader(Path file, String separator) {
    this.file = file;
    this.separator = separator;
    this.lines = TextLines.open(file);
    this.format =
        separator == null
            ? null
            : CSVFormat.RFC4180
                .builder()
                .setDelimiter(separator)
                .setIgnoreSurroundingSpaces(true)
                .setTrim(true)
                .build();
  }

  /**
   * Opens {@code file}.
   *
   * @param separator the literal separator, or {@code null} for runs of spaces and tabs
   */
  static DelimitedReader open(Path file, String separator) {
    return new DelimitedReader(file, separator);
  }

  /**
   * Moves to the next line that is not blank.
   *
   * @return false at the end of the file
   * @throws CbnsException ({@code file:line: ...}) for malformed quoting or unreadable text
   */
  boolean next() {
    for (String line; (line = lines.next()) != null; ) {
      if (line.isBlank()) {
        continue;
      }
      lineNo = lines.lineNumber();
      fields.clear();
      if (separator == null) {
        splitAtBlanks(line);
      } else if (line.indexOf('"') < 0) {
        splitAtSeparator(line);
      } else {
        parseQuoted(line);
      }
      return true;
    }
    return false;
  }

  /** The number of fields of the current line. */
  int size() {
    return fields.size();
  }

  /** Field {@code k} of the current line, without surrounding spaces and quotes. */
  String field(int k) {
    return fields.get(k);
  }

  /** The number of the current line, from 1. */
  long lineNumber() {
    return lineNo;
  }

  /** The current line's fields joined again, for messages. */
  String text() {
    return String.join(separator == null ? " " : separator, fields);
  }

  @Override
  public void close() {
    lines.close();
  }

  /**
   * A line without quotes: what RFC 4180 gives for it, each field stripped of surrounding space.
   */
  private void splitAtSeparator(String line) {
    int start = 0;
    while (true) {
      int at = line.indexOf(separator, start);
      if (at < 0) {
        fields.add(line.substring(start).strip());
        return;
      }
      fields.add(line.substring(start, at).strip());
      start = at + separator.length();
    }
  }

  private void parseQuoted(String line) {
    try (CSVParser parser = CSVParser.parse(line, format)) {
      for (CSVRecord record : parser) {
        for (String value : record) {
          fields.add(value);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      String message = String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e);
      if (message.contains("EOF reached before encapsulated token finished")) {
        throw new CbnsException(
            file
                + ":"
                + lineNo
                + ": a quoted field is not closed on its line; a field in double quotes ends at"
                + " the next lone double quote on the same line, and a quote inside it is written"
                + " twice (\"\")",
            e);
      }
      if (message.contains("between encapsulated token and delimiter")) {
        throw new CbnsException(
            file
                + ":"
                + lineNo
                + ": text after the closing double quote of a field; quote the whole field"
                + " (\"a \"\"b\"\" c\") or none of it",
            e);
      }
      throw new CbnsException(file + ":" + lineNo + ": cannot parse (" + message + ")", e);
    }
  }

  private void splitAtBlanks(String line) {
    for (String f : line.strip().split("[ \\t]+")) {
      // one pair of surrounding double quotes is removed, as it always was for this layout
      if (f.length() >= 2 && f.charAt(0) == '"' && f.charAt(f.length() - 1) == '"') {
        f = f.substring(1, f.length() - 1).strip();
      }
      fields.add(f);
    }
  }
}
