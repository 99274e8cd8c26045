package io.cbns.data.arrow.format;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cbns.core.CbnsException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code manifest.json} of a dataset directory: what the directory holds and how it was built.
 * Written last, so a directory with a manifest is complete.
 *
 * <pre>{@code
 * {
 *   "schema_version": 1, "name": "gowalla", "num_users": 29858, "num_items": 40981,
 *   "train": {"file": "train.arrow", "rows": 810128},
 *   "validation": null,
 *   "test": {"file": "test.arrow", "rows": 217242},
 *   "item_counts": {"file": "item_counts.arrow", "rows": 40981},
 *   "user_ids": null, "item_ids": null,
 *   "has_timestamps": false, "has_weights": false,
 *   "build": {"importer": "lightgcn", "options": {...}, "seed": 42,
 *             "source_files": [{"path": ".../train.txt", "bytes": 1, "sha256": "..."}],
 *             "stats": {"duplicates": 0, ...}},
 *   "fingerprint": "<sha256 hex of the content>"
 * }
 * }</pre>
 *
 * @param schemaVersion the format version ({@link DatasetLayout#SCHEMA_VERSION})
 * @param name the dataset's name
 * @param numUsers users, ids {@code [0, numUsers)}
 * @param numItems items, ids {@code [0, numItems)}
 * @param train the train file and its row count
 * @param validation the validation file, or {@code null}
 * @param test the test file
 * @param itemCounts the item-count file ({@code numItems} rows)
 * @param userIds the user id map, or {@code null} when ids are the source's own
 * @param itemIds the item id map, or {@code null}
 * @param hasTimestamps whether the split files have a {@code timestamp} column
 * @param hasWeights whether the split files have a {@code weight} column
 * @param build how the dataset was built
 * @param fingerprint {@link DatasetContent#fingerprint()} of the content
 * @param itemFeatures the item feature file and its columns, or {@code null} (key {@code
 *     item_features}, absent or null when there is none)
 * @param userFeatures the user feature file and its columns, or {@code null}
 */
public record DatasetManifest(
    int schemaVersion,
    String name,
    int numUsers,
    int numItems,
    FileEntry train,
    FileEntry validation,
    FileEntry test,
    FileEntry itemCounts,
    FileEntry userIds,
    FileEntry itemIds,
    boolean hasTimestamps,
    boolean hasWeights,
    BuildInfo build,
    String fingerprint,
    FeatureFile itemFeatures,
    FeatureFile userFeatures) {
  public DatasetManifest {
    requireNonNull(name, "name is null");
    requireNonNull(train, "train is null");
    requireNonNull(test, "test is null");
    requireNonNull(itemCounts, "itemCounts is null");
    requireNonNull(build, "build is null");
    requireNonNull(fingerprint, "fingerprint is null");
  }

  /**
   * A feature file: {@code {"file": "item_features.arrow", "rows": 40981, "features": [{"name":
   * "genre", "kind": "categorical", "vocab_size": 20}, {"name": "vec", "kind": "dense", "width":
   * 8}]}}.
   *
   * @param file the file name, relative to the dataset directory
   * @param rows the number of rows (the entity count)
   * @param features the columns, in file order
   */
  public record FeatureFile(String file, long rows, List<FeatureSpec> features) {
    public FeatureFile {
      requireNonNull(file, "file is null");
      features = List.copyOf(requireNonNull(features, "features is null"));
      if (rows < 0) {
        throw new IllegalArgumentException("rows must be >= 0, got " + rows);
      }
      if (features.isEmpty()) {
        throw new IllegalArgumentException("a feature file needs at least one feature");
      }
    }
  }

  /**
   * One feature column.
   *
   * @param name the column name
   * @param kind {@link #CATEGORICAL} or {@link #DENSE}
   * @param size the vocabulary size of a categorical feature, the width of a dense one (>= 1)
   */
  public record FeatureSpec(String name, String kind, int size) {
    /** A {@code list<int32>} column of ids in {@code [0, vocab_size)}. */
    public static final String CATEGORICAL = "categorical";

    /** A {@code fixed_size_list<float32>[width]} column. */
    public static final String DENSE = "dense";

    public FeatureSpec {
      requireNonNull(name, "name is null");
      requireNonNull(kind, "kind is null");
      if (!kind.equals(CATEGORICAL) && !kind.equals(DENSE)) {
        throw new IllegalArgumentException("kind must be categorical or dense, got " + kind);
      }
      if (size < 1) {
        throw new IllegalArgumentException(name + ": size must be >= 1, got " + size);
      }
    }

    /** Whether the feature is categorical. */
    public boolean categorical() {
      return kind.equals(CATEGORICAL);
    }
  }

  /**
   * One file of the directory, or a split held in several files (shards, {@code {"rows": 300,
   * "shards": [{"file": "train-00000.arrow", "rows": 120}, {"file": "train-00001.arrow", "rows":
   * 180}]}}), whose rows are the shards' rows in order: what an importer that writes each partition
   * on its own (Spark) produces.
   *
   * @param file the file name, relative to the dataset directory; null for a sharded entry
   * @param rows the number of rows it holds (for a sharded entry, the shards' sum)
   * @param shards the shards in order, each a plain file; empty for a single file
   */
  public record FileEntry(String file, long rows, List<FileEntry> shards) {
    public FileEntry {
      shards = List.copyOf(requireNonNull(shards, "shards is null"));
      if (rows < 0) {
        throw new IllegalArgumentException("rows must be >= 0, got " + rows);
      }
      if (shards.isEmpty()) {
        requireNonNull(file, "file is null");
      } else {
        if (file != null) {
          throw new IllegalArgumentException("a sharded entry has no file of its own: " + file);
        }
        long sum = 0;
        for (FileEntry shard : shards) {
          if (!shard.shards().isEmpty()) {
            throw new IllegalArgumentException("a shard cannot have shards: " + shard.file());
          }
          sum += shard.rows();
        }
        if (sum != rows) {
          throw new IllegalArgumentException(
              "the shards hold " + sum + " rows, the entry says " + rows);
        }
      }
    }

    /** A single file. */
    public FileEntry(String file, long rows) {
      this(file, rows, List.of());
    }

    /** A sharded entry: the shards in order, its rows their sum. */
    public static FileEntry sharded(List<FileEntry> shards) {
      if (shards.isEmpty()) {
        throw new IllegalArgumentException("a sharded entry needs at least one shard");
      }
      return new FileEntry(null, shards.stream().mapToLong(FileEntry::rows).sum(), shards);
    }

    /** The files that hold the rows, in order: the shards, or this file alone. */
    public List<FileEntry> files() {
      return shards.isEmpty() ? List.of(this) : shards;
    }
  }

  /**
   * Provenance: which importer built the dataset, from what, with which options.
   *
   * @param importer {@code lightgcn}, {@code delimited}, {@code synthetic}, ...
   * @param options the importer's options as resolved (kebab-case keys; strings, numbers, booleans)
   * @param seed the seed of every random choice the importer made
   * @param sourceFiles the files read, with size and SHA-256 (empty for generated data)
   * @param stats what the importer counted (lines, duplicates, dropped rows, ...)
   */
  public record BuildInfo(
      String importer,
      Map<String, Object> options,
      long seed,
      List<SourceFile> sourceFiles,
      Map<String, Long> stats) {
    public BuildInfo {
      requireNonNull(importer, "importer is null");
      options =
          Collections.unmodifiableMap(new TreeMap<>(requireNonNull(options, "options is null")));
      sourceFiles = List.copyOf(requireNonNull(sourceFiles, "sourceFiles is null"));
      stats =
          Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(stats, "stats is null")));
    }
  }

  /**
   * A source file an importer read.
   *
   * @param path the path as given to the importer (absolute)
   * @param bytes its size
   * @param sha256 the SHA-256 of its bytes (hex)
   */
  public record SourceFile(String path, long bytes, String sha256) {
    public SourceFile {
      requireNonNull(path, "path is null");
      requireNonNull(sha256, "sha256 is null");
    }
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The manifest as pretty-printed JSON with snake_case keys. */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("schema_version", schemaVersion);
    root.put("name", name);
    root.put("num_users", numUsers);
    root.put("num_items", numItems);
    root.set("train", fileNode(train));
    root.set("validation", fileNode(validation));
    root.set("test", fileNode(test));
    root.set("item_counts", fileNode(itemCounts));
    root.set("user_ids", fileNode(userIds));
    root.set("item_ids", fileNode(itemIds));
    root.put("has_timestamps", hasTimestamps);
    root.put("has_weights", hasWeights);
    ObjectNode b = root.putObject("build");
    b.put("importer", build.importer());
    b.set("options", JSON.valueToTree(build.options()));
    b.put("seed", build.seed());
    ArrayNode files = b.putArray("source_files");
    for (SourceFile f : build.sourceFiles()) {
      ObjectNode n = files.addObject();
      n.put("path", f.path());
      n.put("bytes", f.bytes());
      n.put("sha256", f.sha256());
    }
    b.set("stats", JSON.valueToTree(build.stats()));
    root.put("fingerprint", fingerprint);
    if (itemFeatures != null) {
      root.set("item_features", featureNode(itemFeatures));
    }
    if (userFeatures != null) {
      root.set("user_features", featureNode(userFeatures));
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain values always serialises", e);
    }
  }

  /**
   * Parses a manifest; checks the schema version first, so that a manifest of another version fails
   * with a message about the version rather than about a missing key.
   *
   * @param json the file's text
   * @param where the file, for error messages
   * @throws CbnsException naming {@code where} and the offending key
   */
  public static DatasetManifest fromJson(String json, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new CbnsException(
          where + ": not valid JSON (" + e.getOriginalMessage() + "); re-create the dataset", e);
    }
    if (root == null || !root.isObject()) {
      throw new CbnsException(where + ": expected a JSON object; re-create the dataset");
    }
    Reader r = new Reader(where);
    int version = (int) r.integer(root, "schema_version", 0, Integer.MAX_VALUE);
    if (version != DatasetLayout.SCHEMA_VERSION) {
      throw new CbnsException(
          where
              + ": schema_version "
              + version
              + " is not supported (this version of cbns reads "
              + DatasetLayout.SCHEMA_VERSION
              + "); re-import the dataset with this version");
    }
    JsonNode b = r.object(root, "build");
    Map<String, Object> options =
        JSON.convertValue(
            r.object(b, "options"),
            JSON.getTypeFactory().constructMapType(TreeMap.class, String.class, Object.class));
    List<SourceFile> files = new ArrayList<>();
    JsonNode fileArray = b.get("source_files");
    if (fileArray == null || !fileArray.isArray()) {
      throw new CbnsException(where + ": build.source_files must be a list");
    }
    for (JsonNode f : fileArray) {
      files.add(
          new SourceFile(
              r.text(f, "path"), r.integer(f, "bytes", 0, Long.MAX_VALUE), r.text(f, "sha256")));
    }
    Map<String, Long> stats = new LinkedHashMap<>();
    JsonNode statsNode = r.object(b, "stats");
    for (Iterator<Map.Entry<String, JsonNode>> it = statsNode.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      stats.put(e.getKey(), r.integer(statsNode, e.getKey(), Long.MIN_VALUE, Long.MAX_VALUE));
    }
    BuildInfo build =
        new BuildInfo(
            r.text(b, "importer"),
            options,
            r.integer(b, "seed", Long.MIN_VALUE, Long.MAX_VALUE),
            files,
            stats);
    return new DatasetManifest(
        version,
        r.text(root, "name"),
        (int) r.integer(root, "num_users", 1, Integer.MAX_VALUE),
        (int) r.integer(root, "num_items", 1, Integer.MAX_VALUE),
        r.split(root, "train", true),
        r.split(root, "validation", false),
        r.split(root, "test", true),
        r.file(root, "item_counts", true),
        r.file(root, "user_ids", false),
        r.file(root, "item_ids", false),
        r.bool(root, "has_timestamps"),
        r.bool(root, "has_weights"),
        build,
        r.text(root, "fingerprint"),
        r.features(root, "item_features"),
        r.features(root, "user_features"));
  }

  private static JsonNode featureNode(FeatureFile f) {
    ObjectNode n = JSON.createObjectNode();
    n.put("file", f.file());
    n.put("rows", f.rows());
    ArrayNode features = n.putArray("features");
    for (FeatureSpec s : f.features()) {
      ObjectNode c = features.addObject();
      c.put("name", s.name());
      c.put("kind", s.kind());
      c.put(s.categorical() ? "vocab_size" : "width", s.size());
    }
    return n;
  }

  private static JsonNode fileNode(FileEntry e) {
    if (e == null) {
      return JSON.nullNode();
    }
    ObjectNode n = JSON.createObjectNode();
    if (e.shards().isEmpty()) {
      n.put("file", e.file());
      n.put("rows", e.rows());
      return n;
    }
    n.put("rows", e.rows());
    ArrayNode shards = n.putArray("shards");
    for (FileEntry shard : e.shards()) {
      shards.addObject().put("file", shard.file()).put("rows", shard.rows());
    }
    return n;
  }

  /** Typed access to JSON keys with messages naming the file and the key. */
  private record Reader(String where) {
    JsonNode require(JsonNode parent, String key) {
      JsonNode n = parent.get(key);
      if (n == null || n.isNull()) {
        throw new CbnsException(where + ": missing key '" + key + "'; re-create the dataset");
      }
      return n;
    }

    String text(JsonNode parent, String key) {
      JsonNode n = require(parent, key);
      if (!n.isTextual()) {
        throw new CbnsException(where + ": '" + key + "' must be a string, got " + n);
      }
      return n.asText();
    }

    long integer(JsonNode parent, String key, long min, long max) {
      JsonNode n = require(parent, key);
      if (!n.isIntegralNumber() || !n.canConvertToLong()) {
        throw new CbnsException(where + ": '" + key + "' must be an integer, got " + n);
      }
      long v = n.asLong();
      if (v < min || v > max) {
        throw new CbnsException(
            where + ": '" + key + "' must be in [" + min + ", " + max + "], got " + v);
      }
      return v;
    }

    boolean bool(JsonNode parent, String key) {
      JsonNode n = require(parent, key);
      if (!n.isBoolean()) {
        throw new CbnsException(where + ": '" + key + "' must be true or false, got " + n);
      }
      return n.asBoolean();
    }

    JsonNode object(JsonNode parent, String key) {
      JsonNode n = require(parent, key);
      if (!n.isObject()) {
        throw new CbnsException(where + ": '" + key + "' must be an object, got " + n);
      }
      return n;
    }

    FeatureFile features(JsonNode parent, String key) {
      FileEntry entry = file(parent, key, false);
      if (entry == null) {
        return null;
      }
      JsonNode list = parent.get(key).get("features");
      if (list == null || !list.isArray() || list.isEmpty()) {
        throw new CbnsException(
            where + ": " + key + ".features must be a non-empty list; re-create the dataset");
      }
      List<FeatureSpec> specs = new ArrayList<>();
      java.util.Set<String> names = new java.util.HashSet<>();
      for (JsonNode f : list) {
        String name = text(f, "name");
        String kind = text(f, "kind");
        if (!names.add(name)) {
          throw new CbnsException(where + ": " + key + ".features: duplicate name '" + name + "'");
        }
        if (kind.equals(FeatureSpec.CATEGORICAL)) {
          specs.add(
              new FeatureSpec(name, kind, (int) integer(f, "vocab_size", 1, Integer.MAX_VALUE)));
        } else if (kind.equals(FeatureSpec.DENSE)) {
          specs.add(new FeatureSpec(name, kind, (int) integer(f, "width", 1, 1 << 20)));
        } else {
          throw new CbnsException(
              where
                  + ": "
                  + key
                  + ".features: kind of '"
                  + name
                  + "' must be categorical or dense, got '"
                  + kind
                  + "'");
        }
      }
      return new FeatureFile(entry.file(), entry.rows(), specs);
    }

    /** A file entry that may not be sharded (id maps, counts, features). */
    FileEntry file(JsonNode parent, String key, boolean required) {
      FileEntry entry = split(parent, key, required);
      if (entry != null && !entry.shards().isEmpty()) {
        throw new CbnsException(
            where + ": " + key + " cannot be sharded (only the splits can); re-create the dataset");
      }
      return entry;
    }

    /** A split's entry: one file or shards. */
    FileEntry split(JsonNode parent, String key, boolean required) {
      JsonNode n = parent.get(key);
      if (n == null || n.isNull()) {
        if (required) {
          throw new CbnsException(where + ": missing key '" + key + "'; re-create the dataset");
        }
        return null;
      }
      if (!n.isObject()) {
        throw new CbnsException(where + ": '" + key + "' must be an object, got " + n);
      }
      JsonNode shardList = n.get("shards");
      if (shardList == null) {
        return plainFile(n, key);
      }
      if (!shardList.isArray() || shardList.isEmpty()) {
        throw new CbnsException(
            where + ": " + key + ".shards must be a non-empty list; re-create the dataset");
      }
      List<FileEntry> shards = new ArrayList<>();
      for (JsonNode shard : shardList) {
        shards.add(plainFile(shard, key + ".shards"));
      }
      long rows = integer(n, "rows", 0, Integer.MAX_VALUE - 8);
      FileEntry entry = FileEntry.sharded(shards);
      if (entry.rows() != rows) {
        throw new CbnsException(
            where
                + ": "
                + key
                + ".rows is "
                + rows
                + " but its shards hold "
                + entry.rows()
                + "; re-create the dataset");
      }
      return entry;
    }

    private FileEntry plainFile(JsonNode n, String key) {
      String file = text(n, "file");
      if (file.contains("/") || file.contains("\\") || file.startsWith(".")) {
        throw new CbnsException(
            where + ": " + key + ".file '" + file + "' must be a plain file name");
      }
      return new FileEntry(file, integer(n, "rows", 0, Integer.MAX_VALUE - 8));
    }
  }
}
