package io.cbns.data.arrow.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cbns.core.CbnsException;
import io.cbns.data.arrow.TestData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestDelimitedReader {
  @TempDir Path tmp;

  private List<List<String>> read(String text, String separator) {
    Path file = TestData.write(tmp, "f.csv", text);
    List<List<String>> out = new ArrayList<>();
    try (DelimitedReader r = DelimitedReader.open(file, separator)) {
      while (r.next()) {
        List<String> fields = new ArrayList<>();
        for (int k = 0; k < r.size(); k++) {
          fields.add(r.field(k));
        }
        out.add(fields);
      }
    }
    return out;
  }

  @Test
  void quotedFieldsFollowRfc4180() {
    assertThat(read("1,\"a,b\"\n \"x\" , \"say \"\"hi\"\"\" ,3\n\n4,,\"\"\n", ","))
        .containsExactly(
            List.of("1", "a,b"), List.of("x", "say \"hi\"", "3"), List.of("4", "", ""));
    assertThat(read("1::\"x::y\"::2\n", "::")).containsExactly(List.of("1", "x::y", "2"));
    assertThat(read("1\t\"a\tb\"\n", "\t")).containsExactly(List.of("1", "a\tb"));
  }

  @Test
  void whitespaceSplitsAtRunsOfBlanksAndDropsOnePairOfQuotes() {
    assertThat(read("  1 \t 2   \"x\"\n\t\n3 4\n", null))
        .containsExactly(List.of("1", "2", "x"), List.of("3", "4"));
  }

  @Test
  void malformedQuotingIsAnErrorAtItsLine() {
    Path open = TestData.write(tmp, "open.csv", "1,2\n3,\"4\n5,6\"\n");
    try (DelimitedReader r = DelimitedReader.open(open, ",")) {
      assertThat(r.next()).isTrue();
      assertThatThrownBy(r::next)
          .isInstanceOf(CbnsException.class)
          .hasMessage(
              open
                  + ":2: a quoted field is not closed on its line; a field in double quotes ends at"
                  + " the next lone double quote on the same line, and a quote inside it is"
                  + " written twice (\"\")");
    }
    Path after = TestData.write(tmp, "after.csv", "\n\n\"a\"b,1\n");
    try (DelimitedReader r = DelimitedReader.open(after, ",")) {
      assertThatThrownBy(r::next)
          .hasMessageStartingWith(after + ":3: text after the closing double quote of a field");
    }
  }

  /**
   * Lines without quotes are split without commons-csv: on random such lines (separators of one and
   * two characters, spaces, tabs, Unicode spaces, empty fields) the fields must be exactly what
   * commons-csv gives for them.
   */
  @Test
  void linesWithoutQuotesGiveWhatCommonsCsvGives() throws IOException {
    SplittableRandom random = new SplittableRandom(11);
    String[] pieces = {"1", "ab", " ", "\t", "\u2003", "\u00a0", "x y", "", ",", ";", "::", ":"};
    for (String separator : new String[] {",", ";", "\t", "::", " "}) {
      CSVFormat format =
          CSVFormat.RFC4180
              .builder()
              .setDelimiter(separator)
              .setIgnoreSurroundingSpaces(true)
              .setTrim(true)
              .build();
      StringBuilder text = new StringBuilder();
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        StringBuilder line = new StringBuilder();
        int n = 1 + random.nextInt(8);
        for (int p = 0; p < n; p++) {
          line.append(pieces[random.nextInt(pieces.length)]);
        }
        if (line.toString().isBlank()) {
          continue;
        }
        lines.add(line.toString());
        text.append(line).append('\n');
      }
      List<List<String>> ours = read(text.toString(), separator);
      assertThat(ours).hasSameSizeAs(lines);
      for (int i = 0; i < lines.size(); i++) {
        List<String> theirs = new ArrayList<>();
        try (CSVParser p = CSVParser.parse(lines.get(i), format)) {
          for (CSVRecord r : p) {
            r.forEach(theirs::add);
          }
        }
        assertThat(ours.get(i))
            .as("separator '%s', line '%s'", separator, lines.get(i))
            .isEqualTo(theirs);
      }
    }
  }
}
