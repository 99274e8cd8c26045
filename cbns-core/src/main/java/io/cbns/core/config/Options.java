package io.cbns.core.config;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A read-only view of one section of the configuration (a YAML mapping parsed to plain Java values:
 * {@code Map}, {@code List}, {@code String}, {@code Number}, {@code Boolean}).
 *
 * <p>Every getter declares the key, its default and its valid range; a wrong type or value is a
 * {@link ConfigException} naming the full key path. Keys read are remembered, so that {@link
 * #requireAllConsumed()} can reject unknown keys (typos) with the list of valid ones. Every getter
 * also records a {@link OptionSpec}, so that the documentation of a plugin's options can be
 * generated from the code that reads them.
 *
 * <p>Not thread-safe; used at start-up only.
 */
public final class Options {
  private final String path;
  private final Map<String, Object> values;
  private final Map<String, OptionSpec> specs = new LinkedHashMap<>();
  private final Set<String> consumed = new LinkedHashSet<>();

  private Options(String path, Map<String, Object> values) {
    this.path = requireNonNull(path, "path is null");
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /**
   * Wraps a mapping found at {@code path} (dotted, empty for the root).
   *
   * @param path the key path of this section, used in error messages
   * @param values the section's entries; keys must be strings
   */
  public static Options of(String path, Map<String, ?> values) {
    Map<String, Object> copy = new LinkedHashMap<>();
    if (values != null) {
      values.forEach((k, v) -> copy.put(k, v));
    }
    return new Options(path, copy);
  }

  /** An empty section at {@code path}. */
  public static Options empty(String path) {
    return new Options(path, Map.of());
  }

  /** The dotted key path of this section. */
  public String path() {
    return path;
  }

  /** The full key path of {@code key} in this section. */
  public String keyPath(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** Whether the section sets {@code key} (does not mark it consumed). */
  public boolean has(String key) {
    return values.containsKey(key);
  }

  /** The raw entries of this section. */
  public Map<String, Object> raw() {
    return values;
  }

  /** The specs of every option read so far, in reading order. */
  public List<OptionSpec> specs() {
    return List.copyOf(specs.values());
  }

  /** A nested section; absent means empty. */
  public Options section(String key) {
    record(key, "section", "{}", "a mapping");
    Object v = values.get(key);
    if (v == null) {
      return empty(keyPath(key));
    }
    if (!(v instanceof Map<?, ?> m)) {
      throw new ConfigException(
          keyPath(key), "expected a mapping (key: value lines), got " + show(v));
    }
    Map<String, Object> copy = new LinkedHashMap<>();
    m.forEach((k, val) -> copy.put(String.valueOf(k), val));
    return new Options(keyPath(key), copy);
  }

  /** A string option. */
  public String getString(String key, String defaultValue) {
    record(key, "string", defaultValue, "any text");
    Object v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof Map || v instanceof List) {
      throw new ConfigException(keyPath(key), "expected a text value, got " + show(v));
    }
    return String.valueOf(v);
  }

  /** A required string option. */
  public String requireString(String key) {
    String v = getString(key, null);
    if (v == null || v.isBlank()) {
      throw new ConfigException(keyPath(key), "is required");
    }
    return v;
  }

  /** One of {@code choices} (compared case-insensitively, returned as spelled in choices). */
  public String getChoice(String key, String defaultValue, List<String> choices) {
    record(key, "one of " + choices, defaultValue, String.join(" | ", choices));
    Object v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    String s = String.valueOf(v).trim();
    for (String c : choices) {
      if (c.equalsIgnoreCase(s)) {
        return c;
      }
    }
    throw new ConfigException(
        keyPath(key), "unknown value '" + s + "'; valid values: " + String.join(", ", choices));
  }

  /** A boolean option ({@code true}/{@code false}). */
  public boolean getBoolean(String key, boolean defaultValue) {
    record(key, "boolean", String.valueOf(defaultValue), "true | false");
    Object v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new ConfigException(keyPath(key), "expected true or false, got " + show(v));
  }

  /** An integer option in {@code [min, max]}. */
  public int getInt(String key, int defaultValue, int min, int max) {
    return (int) getLong(key, defaultValue, min, max);
  }

  /** A long option in {@code [min, max]}. */
  public long getLong(String key, long defaultValue, long min, long max) {
    record(key, "integer", String.valueOf(defaultValue), range(min, max));
    Object v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    long x;
    if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) {
      x = n.longValue();
    } else {
      try {
        x = Long.parseLong(String.valueOf(v).trim().replace("_", ""));
      } catch (NumberFormatException e) {
        throw new ConfigException(keyPath(key), "expected an integer, got " + show(v));
      }
    }
    if (x < min || x > max) {
      throw new ConfigException(keyPath(key), "must be in " + range(min, max) + ", got " + x);
    }
    return x;
  }

  /** A floating-point option in {@code [min, max]}; NaN is always rejected. */
  public double getDouble(String key, double defaultValue, double min, double max) {
    record(key, "number", String.valueOf(defaultValue), range(min, max));
    Object v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    double x;
    if (v instanceof Number n) {
      x = n.doubleValue();
    } else {
      try {
        x = Double.parseDouble(String.valueOf(v).trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(keyPath(key), "expected a number, got " + show(v));
      }
    }
    if (Double.isNaN(x) || x < min || x > max) {
      throw new ConfigException(keyPath(key), "must be in " + range(min, max) + ", got " + x);
    }
    return x;
  }

  /** A list of integers, each in {@code [min, max]}; a single integer is a one-element list. */
  public List<Integer> getIntList(String key, List<Integer> defaultValue, int min, int max) {
    record(key, "list of integers", String.valueOf(defaultValue), range(min, max) + " each");
    List<Options> items = listItems(key);
    if (items == null) {
      return defaultValue;
    }
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      out.add(items.get(i).getInt("[" + i + "]", 0, min, max));
    }
    return List.copyOf(out);
  }

  /**
   * A list of texts; a single text is a one-element list. A null default leaves the option out of
   * {@link #resolved} when it is not set.
   */
  public List<String> getStringList(String key, List<String> defaultValue) {
    record(
        key,
        "list of strings",
        defaultValue == null ? null : String.valueOf(defaultValue),
        "any text each");
    List<Options> items = listItems(key);
    if (items == null) {
      return defaultValue;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      out.add(items.get(i).getString("[" + i + "]", null));
    }
    return List.copyOf(out);
  }

  /**
   * The entries of list option {@code key} (a single value is a one-entry list), entry i as an
   * option {@code [i]} of its own, so that its getter names {@code key[i]} in errors; null when the
   * key is not set.
   */
  private List<Options> listItems(String key) {
    Object v = values.get(key);
    if (v == null) {
      return null;
    }
    List<?> items = v instanceof List<?> l ? l : List.of(v);
    if (items.isEmpty()) {
      throw new ConfigException(keyPath(key), "must not be empty");
    }
    List<Options> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i) == null) {
        throw new ConfigException(keyPath(key) + "[" + i + "]", "is empty");
      }
      out.add(new Options(keyPath(key), Map.of("[" + i + "]", items.get(i))));
    }
    return out;
  }

  /**
   * The effective values of every option read so far: the configured value, or the default when the
   * key was not set (options without a default are left out). Nested sections appear as read
   * through {@link #section}, with their raw values.
   */
  public Map<String, Object> resolved() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String key : consumed) {
      if (values.containsKey(key)) {
        out.put(key, values.get(key));
      } else {
        OptionSpec spec = specs.get(key);
        if (spec != null && spec.defaultValue() != null && !spec.type().equals("section")) {
          out.put(key, parseDefault(spec.defaultValue()));
        }
      }
    }
    return out;
  }

  private static Object parseDefault(String text) {
    if (text.startsWith("[") && text.endsWith("]")) {
      List<Object> list = new ArrayList<>();
      for (String part : text.substring(1, text.length() - 1).split(",")) {
        if (!part.isBlank()) {
          list.add(parseDefault(part.trim()));
        }
      }
      return list;
    }
    if (text.equals("true") || text.equals("false")) {
      return Boolean.parseBoolean(text);
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      // not an integer
    }
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return text;
    }
  }

  /**
   * Fails when the section holds a key no getter asked for, naming it and listing the valid keys.
   * Call once every option of the section has been read.
   */
  public void requireAllConsumed() {
    for (String key : values.keySet()) {
      if (!consumed.contains(key)) {
        throw new ConfigException(
            keyPath(key),
            "unknown key; valid keys here: "
                + (consumed.isEmpty() ? "(none)" : String.join(", ", new TreeSet<>(consumed))));
      }
    }
  }

  private void record(String key, String type, String defaultValue, String range) {
    consumed.add(key);
    specs.putIfAbsent(key, new OptionSpec(keyPath(key), type, defaultValue, range));
  }

  private static String range(double min, double max) {
    return "[" + fmt(min) + ", " + fmt(max) + "]";
  }

  private static String fmt(double d) {
    if (d == Double.MAX_VALUE || d == Long.MAX_VALUE || d == Integer.MAX_VALUE) {
      return "inf";
    }
    if (d == -Double.MAX_VALUE || d == Long.MIN_VALUE || d == Integer.MIN_VALUE) {
      return "-inf";
    }
    return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }

  private static String show(Object v) {
    if (v instanceof Map) {
      return "a mapping";
    }
    if (v instanceof List) {
      return "a list";
    }
    return "'" + v + "'";
  }

  /**
   * What one option is: its full key path, type, default and valid range. Used to generate and
   * check the configuration reference.
   */
  public record OptionSpec(String keyPath, String type, String defaultValue, String range) {
    public OptionSpec {
      requireNonNull(keyPath, "keyPath is null");
      requireNonNull(type, "type is null");
      requireNonNull(range, "range is null");
    }
  }
}
