package io.cbns.serving.onnx;

import static java.util.Objects.requireNonNull;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.FeatureTable;
import io.cbns.core.model.OnnxContract;
import io.cbns.serving.Provider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two exported towers of a run, opened in ONNX Runtime and checked against each other and
 * against the dataset they will serve: each file holds the tower it should ({@code cbns.part}),
 * both have the same dimension (and the one the caller expects), were exported for the dataset's
 * numbers of users and items and for its fingerprint, and get the inputs they declare (histories,
 * feature tables).
 *
 * <p>Execution provider: {@link Provider#AUTO} uses CUDA when ONNX Runtime offers it (the {@code
 * onnxruntime_gpu} artifact of the {@code cuda} profile) and a session can be created with it on
 * GPU 0, else the CPU; one log line says which.
 *
 * <p>Thread-safe; {@link #close()} closes both sessions.
 */
public final class OnnxTowers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxTowers.class);

  private final TowerEncoder users;
  private final TowerEncoder items;
  private final String provider;
  private final Map<String, String> userMetadata;
  private final Map<String, String> itemMetadata;

  private OnnxTowers(
      TowerEncoder users,
      TowerEncoder items,
      String provider,
      Map<String, String> userMetadata,
      Map<String, String> itemMetadata) {
    this.users = users;
    this.items = items;
    this.provider = provider;
    this.userMetadata = userMetadata;
    this.itemMetadata = itemMetadata;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The user tower. */
  public TowerEncoder users() {
    return users;
  }

  /** The item tower. */
  public TowerEncoder items() {
    return items;
  }

  /** The embedding dimension d of both towers. */
  public int dimension() {
    return users.dimension();
  }

  /** The execution provider the sessions run on, {@code CPU} or {@code CUDA}. */
  public String provider() {
    return provider;
  }

  /** The user tower's custom metadata. */
  public Map<String, String> userMetadata() {
    return userMetadata;
  }

  /** The item tower's custom metadata. */
  public Map<String, String> itemMetadata() {
    return itemMetadata;
  }

  @Override
  public void close() {
    try {
      users.close();
      items.close();
    } catch (OrtException e) {
      throw new CbnsException("cannot close ONNX Runtime sessions: " + ortMessage(e), e);
    }
  }

  /**
   * ONNX Runtime's message on one line, without the parts that only repeat what the caller's
   * message says: it may span lines, starts with {@code Error code - ORT_FAIL - message: }, and a
   * load error repeats the path ({@code Load model from <file> failed:}).
   */
  public static String ortMessage(OrtException e) {
    String m = String.valueOf(e.getMessage()).replaceAll("\\s+", " ").strip();
    m = m.replaceFirst("^Error code - \\w+ - message: ", "");
    return m.replaceFirst("^Load model from .* failed: ?", "");
  }

  /**
   * Builder: {@code setUserTower}, {@code setItemTower} and {@code setTrainByUser} are required.
   */
  public static final class Builder {
    private Path userTower;
    private Path itemTower;
    private CsrMatrix trainByUser;
    private FeatureTable itemFeatures;
    private FeatureTable userFeatures;
    private Integer expectedDimension;
    private String expectedFingerprint;
    private Provider provider = Provider.AUTO;
    private int batchSize = 4096;

    private Builder() {}

    /** The exported {@code user_tower.onnx}. */
    public Builder setUserTower(Path file) {
      this.userTower = requireNonNull(file, "file is null");
      return this;
    }

    /** The exported {@code item_tower.onnx}. */
    public Builder setItemTower(Path file) {
      this.itemTower = requireNonNull(file, "file is null");
      return this;
    }

    /**
     * The train interactions of the dataset the towers were trained on: its shape gives the numbers
     * of users and items, and its rows the histories a history-pooling user tower reads.
     */
    public Builder setTrainByUser(CsrMatrix trainByUser) {
      this.trainByUser = requireNonNull(trainByUser, "trainByUser is null");
      return this;
    }

    /** The dataset's item features: the inputs of a {@code features} item tower. */
    public Builder optItemFeatures(FeatureTable features) {
      this.itemFeatures = features;
      return this;
    }

    /** The dataset's user features, for a {@code features} user tower that reads them. */
    public Builder optUserFeatures(FeatureTable features) {
      this.userFeatures = features;
      return this;
    }

    /** Fails {@code build()} unless both towers have this dimension (e.g. the run's model.dim). */
    public Builder optDimension(int dimension) {
      this.expectedDimension = dimension;
      return this;
    }

    /**
     * Fails {@code build()} when a tower records another dataset fingerprint (files without one are
     * accepted).
     */
    public Builder optDatasetFingerprint(String fingerprint) {
      this.expectedFingerprint = requireNonNull(fingerprint, "fingerprint is null");
      return this;
    }

    /** The execution provider; default {@link Provider#AUTO}. */
    public Builder optProvider(Provider provider) {
      this.provider = requireNonNull(provider, "provider is null");
      return this;
    }

    /** Ids per ONNX Runtime call; default 4096. */
    public Builder optBatchSize(int batchSize) {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Opens both sessions and checks them.
     *
     * @throws CbnsException when a file is missing or not a valid ONNX model, holds the wrong
     *     tower, or does not match the other file, the expected dimension or the dataset
     */
    public OnnxTowers build() {
      requireNonNull(userTower, "userTower is not set");
      requireNonNull(itemTower, "itemTower is not set");
      requireNonNull(trainByUser, "trainByUser is not set");
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      Provider chosen = choose(provider);
      String used = chosen == Provider.CUDA ? "CUDA" : "CPU";
      OrtSession user = null;
      OrtSession item = null;
      try {
        user = session(env, userTower, chosen);
        item = user == null ? null : session(env, itemTower, chosen);
        if (item == null) {
          // CUDA could not be used: both towers go to the CPU
          closeQuietly(user);
          user = null;
          used = "CPU";
          user = session(env, userTower, Provider.CPU);
          item = session(env, itemTower, Provider.CPU);
        }
        LOG.info(
            "ONNX Runtime {}: {} execution provider{}",
            env.getVersion(),
            used,
            used.equals("CUDA") ? " (GPU 0)" : "");
        Map<String, String> userMeta = metadata(user, userTower);
        Map<String, String> itemMeta = metadata(item, itemTower);
        int d = checkMetadata(userMeta, itemMeta);
        HistoryInputs histories =
            user.getInputNames().contains(OnnxContract.HISTORY) ? histories(userMeta) : null;
        FeatureTable itemInputs = featureInputs(item, itemTower, itemFeatures, "item");
        FeatureTable userInputs = featureInputs(user, userTower, userFeatures, "user");
        TowerEncoder users =
            new TowerEncoder(
                env,
                user,
                userTower,
                "user",
                trainByUser.numRows(),
                d,
                batchSize,
                userInputs,
                histories);
        TowerEncoder items =
            new TowerEncoder(
                env,
                item,
                itemTower,
                "item",
                trainByUser.numColumns(),
                d,
                batchSize,
                itemInputs,
                null);
        return new OnnxTowers(users, items, used, userMeta, itemMeta);
      } catch (RuntimeException e) {
        closeQuietly(user);
        closeQuietly(item);
        throw e;
      }
    }

    private Provider choose(Provider requested) {
      boolean available = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
      if (requested == Provider.CPU) {
        return Provider.CPU;
      }
      if (requested == Provider.CUDA && !available) {
        throw new CbnsException(
            "the CUDA execution provider is not in this ONNX Runtime (available: "
                + OrtEnvironment.getAvailableProviders()
                + "); build with mvn -Pcuda package, or use --provider cpu");
      }
      return available ? Provider.CUDA : Provider.CPU;
    }

    /**
     * A session for {@code file}; with CUDA, null when CUDA cannot be used here (no GPU, missing
     * CUDA libraries), so that the caller falls back to the CPU.
     */
    private OrtSession session(OrtEnvironment env, Path file, Provider p) {
      if (Files.isDirectory(file)) {
        throw new CbnsException(
            file
                + ": a directory, not an ONNX file; export the towers with ./cbns export-onnx"
                + " RUN_DIR --out "
                + parent(file));
      }
      if (!Files.isRegularFile(file)) {
        throw new CbnsException(
            file
                + ": not found; export the towers with ./cbns export-onnx RUN_DIR --out "
                + parent(file));
      }
      if (isEmpty(file)) {
        throw new CbnsException(
            file + ": an empty file, not an ONNX model; export it again with ./cbns export-onnx");
      }
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        if (p == Provider.CUDA) {
          try {
            options.addCUDA(0);
            return env.createSession(file.toString(), options);
          } catch (OrtException e) {
            if (provider == Provider.CUDA) {
              throw new CbnsException(
                  "cannot use the CUDA execution provider on GPU 0: " + ortMessage(e), e);
            }
            LOG.info("CUDA execution provider unavailable ({}); using the CPU", e.getMessage());
            return null;
          }
        }
        return env.createSession(file.toString(), options);
      } catch (OrtException e) {
        throw new CbnsException(
            file
                + ": not a valid ONNX model ("
                + ortMessage(e)
                + "); export it again with ./cbns export-onnx",
            e);
      }
    }

    private static Map<String, String> metadata(OrtSession session, Path file) {
      try {
        return Map.copyOf(session.getMetadata().getCustomMetadata());
      } catch (OrtException e) {
        throw new CbnsException(file + ": cannot read the ONNX metadata: " + ortMessage(e), e);
      }
    }

    private int checkMetadata(Map<String, String> userMeta, Map<String, String> itemMeta) {
      checkPart(userMeta, userTower, "user");
      checkPart(itemMeta, itemTower, "item");
      int du = dimension(userMeta, userTower);
      int di = dimension(itemMeta, itemTower);
      if (du != di) {
        throw new CbnsException(
            "the towers do not fit together: "
                + userTower
                + " has dimension "
                + du
                + " but "
                + itemTower
                + " has "
                + di
                + "; export both from the same run");
      }
      if (expectedDimension != null && du != expectedDimension) {
        throw new CbnsException(
            "the ONNX towers have dimension "
                + du
                + " but the trained model has "
                + expectedDimension
                + " (model.dim): "
                + userTower
                + " and "
                + itemTower
                + " were exported from another model; export again with ./cbns export-onnx");
      }
      for (var e : List.of(Map.entry(userMeta, userTower), Map.entry(itemMeta, itemTower))) {
        checkSize(e.getKey(), e.getValue(), OnnxContract.NUM_USERS, trainByUser.numRows(), "users");
        checkSize(
            e.getKey(), e.getValue(), OnnxContract.NUM_ITEMS, trainByUser.numColumns(), "items");
        String fp = e.getKey().getOrDefault(OnnxContract.DATASET_FINGERPRINT, "");
        if (expectedFingerprint != null && !fp.isEmpty() && !fp.equals(expectedFingerprint)) {
          throw new CbnsException(
              e.getValue()
                  + ": exported from a model trained on dataset "
                  + fp
                  + ", not on this run's dataset "
                  + expectedFingerprint
                  + "; export again with ./cbns export-onnx");
        }
      }
      return du;
    }

    private static void checkPart(Map<String, String> meta, Path file, String part) {
      String actual = meta.get(OnnxContract.PART);
      if (!part.equals(actual)) {
        throw new CbnsException(
            file
                + ": expected the "
                + part
                + " tower but its metadata says "
                + (actual == null
                    ? "nothing (not exported by cbns)"
                    : OnnxContract.PART + "=" + actual));
      }
    }

    private static int dimension(Map<String, String> meta, Path file) {
      String v = meta.get(OnnxContract.DIMENSION);
      try {
        int d = Integer.parseInt(requireNonNull(v, "missing"));
        if (d < 1) {
          throw new NumberFormatException("not positive");
        }
        return d;
      } catch (RuntimeException e) {
        throw new CbnsException(
            file + ": metadata " + OnnxContract.DIMENSION + " is missing or not a number: " + v);
      }
    }

    private static void checkSize(
        Map<String, String> meta, Path file, String key, int expected, String what) {
      String v = meta.get(key);
      if (v != null && !v.equals(Integer.toString(expected))) {
        throw new CbnsException(
            String.format(
                Locale.ROOT,
                "%s: exported for %s %s, the dataset has %d; export again from this run",
                file,
                v,
                what,
                expected));
      }
    }

    /**
     * The feature table to feed when the tower reads feature inputs ({@code <side>_...} other than
     * the id), null when it reads none; fails when it reads some but no table was given.
     */
    private static FeatureTable featureInputs(
        OrtSession session, Path file, FeatureTable features, String side) {
      boolean reads = false;
      for (String name : session.getInputNames()) {
        if (name.startsWith(side + "_") && !name.equals(side + "_id")) {
          reads = true;
        }
      }
      if (!reads) {
        return null;
      }
      if (features == null) {
        throw new CbnsException(
            file
                + ": the tower reads "
                + side
                + " feature inputs "
                + session.getInputNames()
                + " but the run's dataset has no "
                + side
                + " features; use the dataset the run was trained on");
      }
      return features;
    }

    /** The histories a history-pooling user tower reads, from its metadata's cap. */
    private HistoryInputs histories(Map<String, String> userMeta) {
      String length = userMeta.get(OnnxContract.HISTORY_LENGTH);
      try {
        return HistoryInputs.select(trainByUser, Integer.parseInt(requireNonNull(length)));
      } catch (RuntimeException e) {
        throw new CbnsException(
            userTower
                + ": the tower reads histories but its metadata "
                + OnnxContract.HISTORY_LENGTH
                + " is "
                + (length == null ? "missing" : "'" + length + "'")
                + "; export it again with ./cbns export-onnx",
            e);
      }
    }

    private static boolean isEmpty(Path file) {
      try {
        return Files.size(file) == 0;
      } catch (IOException e) {
        throw new CbnsException(file + ": cannot read (" + e.getMessage() + ")", e);
      }
    }

    private static String parent(Path file) {
      Path p = file.toAbsolutePath().getParent();
      return p == null ? "." : p.toString();
    }

    private static void closeQuietly(OrtSession s) {
      if (s != null) {
        try {
          s.close();
        } catch (OrtException ignored) {
          // already failing; that error is the one to report
        }
      }
    }
  }
}
