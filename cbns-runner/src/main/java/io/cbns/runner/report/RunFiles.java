package io.cbns.runner.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cbns.core.CbnsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads what a training run wrote into its directory, for reports and comparisons. */
final class RunFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RunFiles() {}

  /** The JSON document {@code name} in {@code runDir}; a clear error if it is missing. */
  static JsonNode json(Path runDir, String name) {
    Path f = runDir.resolve(name);
    if (!Files.isRegularFile(f)) {
      throw new CbnsException(f + " not found: is " + runDir + " a finished cbns run directory?");
    }
    try {
      return JSON.readTree(f.toFile());
    } catch (IOException e) {
      throw new CbnsException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  /** One JSON object per line of {@code name} (empty when the file does not exist). */
  static List<JsonNode> lines(Path runDir, String name) {
    Path f = runDir.resolve(name);
    List<JsonNode> out = new ArrayList<>();
    if (!Files.isRegularFile(f)) {
      return out;
    }
    try {
      int n = 0;
      for (String line : Files.readAllLines(f)) {
        n++;
        if (!line.isBlank()) {
          try {
            out.add(JSON.readTree(line));
          } catch (IOException e) {
            throw new CbnsException(f + ":" + n + ": not a JSON line: " + e.getMessage(), e);
          }
        }
      }
    } catch (IOException e) {
      throw new CbnsException("cannot read " + f + ": " + e.getMessage(), e);
    }
    return out;
  }

  static String text(Path runDir, String name) {
    try {
      Path f = runDir.resolve(name);
      return Files.isRegularFile(f) ? Files.readString(f) : "";
    } catch (IOException e) {
      throw new CbnsException("cannot read " + runDir.resolve(name) + ": " + e.getMessage(), e);
    }
  }
}
