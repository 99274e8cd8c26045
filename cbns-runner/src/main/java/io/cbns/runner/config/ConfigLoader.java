package io.cbns.runner.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.cbns.core.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a YAML configuration into a plain tree ({@code Map}/{@code List}/scalars) and applies
 * {@code --set key.path=value} overrides, whose values are parsed as YAML scalars or flow
 * collections ({@code --set evaluation.k=[10,20]}). A missing, unreadable or malformed file and a
 * malformed override are {@link ConfigException}s (exit code 2), like a bad key or value.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              // a key given twice is a mistake, not "the last one wins"
              .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .build());

  private ConfigLoader() {}

  /**
   * The configuration tree of {@code file} (or an empty tree when {@code file} is null) with the
   * overrides applied.
   */
  public static Map<String, Object> load(Path file, List<String> overrides) {
    return load(file == null ? List.of() : List.of(file), overrides);
  }

  /**
   * The configuration trees of {@code files} merged in order (a later file's value replaces an
   * earlier one's; sections are merged key by key), with the overrides applied.
   */
  public static Map<String, Object> load(List<Path> files, List<String> overrides) {
    Map<String, Object> root = new LinkedHashMap<>();
    for (Path file : files) {
      merge(root, read(file));
    }
    for (String o : overrides) {
      apply(root, o);
    }
    return root;
  }

  @SuppressWarnings("unchecked")
  private static void merge(Map<String, Object> into, Map<String, Object> from) {
    from.forEach(
        (key, value) -> {
          Object existing = into.get(key);
          if (existing instanceof Map && value instanceof Map) {
            merge((Map<String, Object>) existing, (Map<String, Object>) value);
          } else {
            into.put(key, value);
          }
        });
  }

  /** Renders a tree as YAML. */
  public static String toYaml(Map<String, Object> tree) {
    try {
      return YAML.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> read(Path file) {
    try {
      String text = Files.readString(file);
      if (text.isBlank()) {
        return new LinkedHashMap<>();
      }
      Object tree = YAML.readValue(text, Object.class);
      if (tree == null) {
        return new LinkedHashMap<>();
      }
      if (!(tree instanceof Map)) {
        throw new ConfigException(
            "", file + ": the top level must be a mapping (key: value lines)");
      }
      return (Map<String, Object>) tree;
    } catch (NoSuchFileException e) {
      throw new ConfigException("", "config file not found: " + file);
    } catch (JsonProcessingException e) {
      throw new ConfigException(
          "",
          file
              + ":"
              + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
              + ": not valid YAML: "
              + e.getOriginalMessage());
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new ConfigException("", file + ": not UTF-8 text; save the file as UTF-8");
    } catch (IOException e) {
      throw new ConfigException("", "cannot read config file " + file + ": " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static void apply(Map<String, Object> root, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException(
          "", "--set " + override + ": expected key.path=value, e.g. --set training.epochs=5");
    }
    String path = override.substring(0, eq).trim();
    String text = override.substring(eq + 1);
    Object value;
    try {
      value = text.isEmpty() ? "" : YAML.readValue(text, Object.class);
    } catch (JsonProcessingException e) {
      value = text;
    }
    String[] keys = path.split("\\.", -1);
    for (String key : keys) {
      if (key.isBlank()) {
        throw new ConfigException(
            "",
            "--set " + override + ": empty key in '" + path + "'; expected e.g. training.epochs=5");
      }
    }
    Map<String, Object> node = root;
    for (int i = 0; i < keys.length - 1; i++) {
      Object child = node.get(keys[i]);
      if (child == null) {
        child = new LinkedHashMap<String, Object>();
        node.put(keys[i], child);
      } else if (!(child instanceof Map)) {
        throw new ConfigException(
            String.join(".", java.util.Arrays.copyOf(keys, i + 1)),
            "--set " + path + ": this key holds a value, not a section");
      }
      node = (Map<String, Object>) child;
    }
    node.put(keys[keys.length - 1], value);
  }
}
