package io.cbns.runner.serving;

import static java.util.Objects.requireNonNull;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.data.FeatureTable;
import io.cbns.models.onnx.FeatureInputs;
import io.cbns.models.onnx.OnnxMetadata;
import io.cbns.models.onnx.TowerGraph;
import io.cbns.models.tower.HistoryBatch;
import io.cbns.models.tower.UserHistories;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Top-k retrieval with the exported towers in ONNX Runtime: the item tower encodes every item once
 * (at {@link Builder#build()}, kept in memory), the user tower encodes the queried users, a user's
 * score for an item is the dot product of the two embeddings, and the user's train items are never
 * recommended.
 *
 * <p>Built from {@code user_tower.onnx} and {@code item_tower.onnx} as written by {@link
 * io.cbns.models.onnx.OnnxExporter} and the train split of the dataset the towers were trained on
 * (the items to exclude, and the histories a {@code youtube-dnn} user tower pools). {@code build()}
 * checks the files' metadata: which tower each holds, the same dimension in both (and the one the
 * caller expects), the dataset's sizes and fingerprint, and that the outputs have the width the
 * metadata states.
 *
 * <p>Execution provider: {@link Provider#AUTO} uses CUDA when ONNX Runtime offers it (the {@code
 * onnxruntime_gpu} artifact of the {@code cuda} profile) and a session can be created with it on
 * GPU 0, else the CPU; one log line says which.
 *
 * <p>Thread-safe after {@code build()} (ONNX Runtime sessions may run concurrently; everything else
 * is immutable). {@link #close()} closes the sessions.
 */
public final class OnnxRecommender implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxRecommender.class);
  // items per tile of the scoring loop: d x TILE floats of the item table stay in cache while a
  // group of users is scored against them
  private static final int TILE = 1024;
  private static final int GROUP = 8;

  /** Which ONNX Runtime execution provider runs the towers. */
  public enum Provider {
    /** CUDA when available and working, else the CPU. */
    AUTO,
    /** The CPU. */
    CPU,
    /** CUDA on GPU 0; fails when it is not available. */
    CUDA
  }

  /**
   * The top items of one user, best first.
   *
   * @param user the dense user id
   * @param items dense item ids, at most k (fewer when the user's train items leave fewer)
   * @param scores their scores (dot products), descending
   */
  public record Recommendation(int user, int[] items, float[] scores) {
    public Recommendation {
      requireNonNull(items, "items is null");
      requireNonNull(scores, "scores is null");
      if (items.length != scores.length) {
        throw new IllegalArgumentException("items and scores differ in length");
      }
    }
  }

  private final OrtEnvironment env;
  private final OrtSession userSession;
  private final OrtSession itemSession;
  private final Path userFile;
  private final String providerUsed;
  private final CsrMatrix trainByUser;
  private final UserHistories histories;
  private final int dimension;
  private final int numItems;
  // the item embeddings transposed, one array per dimension, for the scoring loop
  private final float[][] itemColumns;
  private final int batchSize;
  private final FeatureTable userFeatures;

  private OnnxRecommender(
      OrtEnvironment env,
      OrtSession userSession,
      OrtSession itemSession,
      Path userFile,
      String providerUsed,
      CsrMatrix trainByUser,
      UserHistories histories,
      int dimension,
      float[][] itemColumns,
      int batchSize,
      FeatureTable userFeatures) {
    this.env = env;
    this.userSession = userSession;
    this.itemSession = itemSession;
    this.userFile = userFile;
    this.providerUsed = providerUsed;
    this.trainByUser = trainByUser;
    this.histories = histories;
    this.dimension = dimension;
    this.numItems = trainByUser.numColumns();
    this.itemColumns = itemColumns;
    this.batchSize = batchSize;
    this.userFeatures = userFeatures;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The embedding dimension d. */
  public int dimension() {
    return dimension;
  }

  /** The number of users ({@code [0, numUsers)} may be queried). */
  public int numUsers() {
    return trainByUser.numRows();
  }

  /** The number of items. */
  public int numItems() {
    return numItems;
  }

  /** The execution provider the sessions run on, {@code CPU} or {@code CUDA}. */
  public String provider() {
    return providerUsed;
  }

  /**
   * A copy of the item embeddings computed with the item tower: {@code numItems * d}, row-major.
   */
  public float[] itemEmbeddings() {
    float[] out = new float[numItems * dimension];
    for (int j = 0; j < dimension; j++) {
      for (int i = 0; i < numItems; i++) {
        out[i * dimension + j] = itemColumns[j][i];
      }
    }
    return out;
  }

  /**
   * Encodes users with the user tower.
   *
   * @param users dense user ids
   * @return {@code users.length * d} floats, row-major
   * @throws CbnsException for an id outside {@code [0, numUsers())}
   */
  public float[] userEmbeddings(long[] users) {
    requireNonNull(users, "users is null");
    checkUsers(users);
    float[] out = new float[users.length * dimension];
    for (int start = 0; start < users.length; start += batchSize) {
      long[] chunk = Arrays.copyOfRange(users, start, Math.min(users.length, start + batchSize));
      float[] e = encodeUsers(chunk);
      System.arraycopy(e, 0, out, start * dimension, e.length);
    }
    return out;
  }

  /**
   * The top {@code k} items of each user, the user's train items excluded; ties go to the lower
   * item id.
   *
   * @param users dense user ids
   * @param k how many items per user, at least 1
   * @return one recommendation per user, in order
   * @throws CbnsException for an id outside {@code [0, numUsers())}
   */
  public List<Recommendation> recommend(long[] users, int k) {
    requireNonNull(users, "users is null");
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    checkUsers(users);
    float[] userEmb = userEmbeddings(users);
    int groups = (users.length + GROUP - 1) / GROUP;
    Recommendation[] out = new Recommendation[users.length];
    IntStream range = IntStream.range(0, groups);
    (groups > 1 ? range.parallel() : range)
        .forEach(
            g -> {
              int from = g * GROUP;
              int to = Math.min(users.length, from + GROUP);
              float[][] scores = new float[to - from][numItems];
              score(userEmb, from, to, scores);
              for (int r = from; r < to; r++) {
                out[r] = topK((int) users[r], scores[r - from], k);
              }
            });
    return List.of(out);
  }

  @Override
  public void close() {
    try {
      userSession.close();
      itemSession.close();
    } catch (OrtException e) {
      throw new CbnsException("cannot close ONNX Runtime sessions: " + e.getMessage(), e);
    }
  }

  /** Whether {@code session} declares inputs of {@code side} beyond its id: a features tower. */
  private static boolean readsFeatures(OrtSession session, String side) {
    for (String name : session.getInputNames()) {
      if (name.startsWith(side + "_") && !name.equals(side + "_id")) {
        return true;
      }
    }
    return false;
  }

  private static void putFeatures(
      OrtEnvironment env, Map<String, OnnxTensor> in, List<FeatureInputs.Input> inputs)
      throws OrtException {
    for (FeatureInputs.Input x : inputs) {
      in.put(
          x.name(),
          x.longs() != null
              ? OnnxTensor.createTensor(env, LongBuffer.wrap(x.longs()), x.shape())
              : OnnxTensor.createTensor(env, FloatBuffer.wrap(x.floats()), x.shape()));
    }
  }

  private void checkUsers(long[] users) {
    for (long u : users) {
      if (u < 0 || u >= trainByUser.numRows()) {
        throw new CbnsException(
            "unknown user id " + u + ": the model knows users 0.." + (trainByUser.numRows() - 1));
      }
    }
  }

  private float[] encodeUsers(long[] users) {
    Map<String, OnnxTensor> in = new HashMap<>();
    try {
      if (userSession.getInputNames().contains(TowerGraph.USER_ID)) {
        in.put(
            TowerGraph.USER_ID,
            OnnxTensor.createTensor(env, LongBuffer.wrap(users), new long[] {users.length}));
      }
      if (userFeatures != null) {
        putFeatures(env, in, FeatureInputs.build("user", userFeatures, users));
      }
      if (histories != null) {
        HistoryBatch h = histories.batch(users, null);
        long[] shape = {h.rows(), h.length()};
        in.put(TowerGraph.HISTORY, OnnxTensor.createTensor(env, LongBuffer.wrap(h.items()), shape));
        in.put(
            TowerGraph.HISTORY_MASK,
            OnnxTensor.createTensor(env, FloatBuffer.wrap(h.mask()), shape));
      }
      try (OrtSession.Result r = userSession.run(in)) {
        return output(r, users.length, dimension, userFile);
      }
    } catch (OrtException e) {
      throw new CbnsException(userFile + ": ONNX Runtime failed: " + ortMessage(e), e);
    } finally {
      in.values().forEach(OnnxTensor::close);
    }
  }

  /** Adds the dot products of users {@code [from, to)} with every item to {@code scores}. */
  private void score(float[] userEmb, int from, int to, float[][] scores) {
    int d = dimension;
    int n = numItems;
    for (int a = 0; a < n; a += TILE) {
      int b = Math.min(n, a + TILE);
      for (int r = from; r < to; r++) {
        float[] s = scores[r - from];
        int ub = r * d;
        // axpys over item columns, which C2 vectorises: a dot product over d would be a float
        // reduction it may not reorder, and one flat [d * n] table (index j * n + i) measured 5x
        // slower on JDK 17 because the invariant offset defeats its alignment analysis. Four
        // columns per pass read and write the scores a quarter as often.
        int j = 0;
        for (; j + 4 <= d; j += 4) {
          float u0 = userEmb[ub + j];
          float u1 = userEmb[ub + j + 1];
          float u2 = userEmb[ub + j + 2];
          float u3 = userEmb[ub + j + 3];
          float[] c0 = itemColumns[j];
          float[] c1 = itemColumns[j + 1];
          float[] c2 = itemColumns[j + 2];
          float[] c3 = itemColumns[j + 3];
          for (int i = a; i < b; i++) {
            s[i] += u0 * c0[i] + u1 * c1[i] + u2 * c2[i] + u3 * c3[i];
          }
        }
        for (; j < d; j++) {
          float uj = userEmb[ub + j];
          float[] column = itemColumns[j];
          for (int i = a; i < b; i++) {
            s[i] += uj * column[i];
          }
        }
      }
    }
  }

  private Recommendation topK(int user, float[] scores, int k) {
    int[] seen = trainByUser.columns();
    for (int p = trainByUser.rowOffsets()[user]; p < trainByUser.rowOffsets()[user + 1]; p++) {
      scores[seen[p]] = Float.NEGATIVE_INFINITY;
    }
    int kk = Math.min(k, numItems);
    // a min-heap of the best kk so far; the root is the worst of them
    int[] heap = new int[kk];
    int size = 0;
    for (int i = 0; i < numItems; i++) {
      float s = scores[i];
      if (s == Float.NEGATIVE_INFINITY || Float.isNaN(s)) {
        continue;
      }
      if (size < kk) {
        heap[size] = i;
        siftUp(heap, size++, scores);
      } else if (s > scores[heap[0]]) {
        // equal scores keep the earlier (lower) id already in the heap
        heap[0] = i;
        siftDown(heap, size, scores);
      }
    }
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = heap[i];
    }
    Arrays.sort(order, (x, y) -> worse(y, x, scores) ? -1 : worse(x, y, scores) ? 1 : 0);
    int[] items = new int[size];
    float[] top = new float[size];
    for (int i = 0; i < size; i++) {
      items[i] = order[i];
      top[i] = scores[order[i]];
    }
    return new Recommendation(user, items, top);
  }

  /** Whether item {@code x} ranks below item {@code y}: a lower score, or equal and a higher id. */
  private static boolean worse(int x, int y, float[] scores) {
    return scores[x] < scores[y] || scores[x] == scores[y] && x > y;
  }

  private static void siftUp(int[] heap, int at, float[] scores) {
    while (at > 0) {
      int parent = (at - 1) / 2;
      if (!worse(heap[at], heap[parent], scores)) {
        return;
      }
      int tmp = heap[at];
      heap[at] = heap[parent];
      heap[parent] = tmp;
      at = parent;
    }
  }

  private static void siftDown(int[] heap, int size, float[] scores) {
    int at = 0;
    while (true) {
      int left = 2 * at + 1;
      if (left >= size) {
        return;
      }
      int child = left + 1 < size && worse(heap[left + 1], heap[left], scores) ? left + 1 : left;
      if (!worse(heap[child], heap[at], scores)) {
        return;
      }
      int tmp = heap[at];
      heap[at] = heap[child];
      heap[child] = tmp;
      at = child;
    }
  }

  private static float[] output(OrtSession.Result r, int rows, int dimension, Path file)
      throws OrtException {
    // a model that is not ours may return a sequence, a map or integers: say so, not crash
    if (r.size() == 0
        || !(r.get(0) instanceof OnnxTensor t)
        || t.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
      throw new CbnsException(
          file
              + ": the model's first output is "
              + (r.size() == 0 ? "missing" : r.get(0).getInfo())
              + ", not a float tensor of embeddings; export it again with cbns export-onnx");
    }
    long[] shape = t.getInfo().getShape();
    if (shape.length != 2 || shape[0] != rows || shape[1] != dimension) {
      throw new CbnsException(
          file
              + ": the model returned shape "
              + Arrays.toString(shape)
              + " for "
              + rows
              + " ids, expected ["
              + rows
              + ", "
              + dimension
              + "] (its metadata says dimension "
              + dimension
              + "); re-export it with cbns export-onnx");
    }
    FloatBuffer fb = t.getFloatBuffer();
    float[] out = new float[fb.remaining()];
    fb.get(out);
    return out;
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

    /**
     * The dataset's item features: the inputs of a {@code features} item tower (optional; needed
     * when the item tower declares feature inputs).
     */
    public Builder optItemFeatures(FeatureTable features) {
      this.itemFeatures = features;
      return this;
    }

    /** The dataset's user features, for a {@code features} user tower that reads them. */
    public Builder optUserFeatures(FeatureTable features) {
      this.userFeatures = features;
      return this;
    }

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
     * The train interactions of the dataset the towers were trained on: the items excluded from a
     * user's recommendations, and the histories a {@code youtube-dnn} user tower pools.
     */
    public Builder setTrainByUser(CsrMatrix trainByUser) {
      this.trainByUser = requireNonNull(trainByUser, "trainByUser is null");
      return this;
    }

    /** Fails {@code build()} unless both towers have this dimension (e.g. the run's model.dim). */
    public Builder optDimension(int dimension) {
      this.expectedDimension = dimension;
      return this;
    }

    /**
     * Fails {@code build()} when the towers record another dataset fingerprint (empty records are
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

    /** Ids per ONNX Runtime call when encoding items and users; default 4096. */
    public Builder optBatchSize(int batchSize) {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Opens both sessions, checks their metadata and encodes every item.
     *
     * @throws CbnsException when a file is missing or not a valid ONNX model, holds the wrong
     *     tower, or does not match the other file, the expected dimension or the dataset
     */
    public OnnxRecommender build() {
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
        UserHistories histories =
            user.getInputNames().contains(TowerGraph.HISTORY) ? histories(userMeta) : null;
        long t0 = System.nanoTime();
        checkFeatureInputs(item, itemTower, itemFeatures, "item");
        checkFeatureInputs(user, userTower, userFeatures, "user");
        float[][] items = encodeAllItems(env, item, d);
        LOG.info(
            "encoded {} items (d = {}) with {} in {} ms",
            trainByUser.numColumns(),
            d,
            itemTower.getFileName(),
            (System.nanoTime() - t0) / 1_000_000);
        return new OnnxRecommender(
            env,
            user,
            item,
            userTower,
            used,
            trainByUser,
            histories,
            d,
            items,
            batchSize,
            readsFeatures(user, "user") ? userFeatures : null);
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
                + ": a directory, not an ONNX file; export the towers with cbns export-onnx RUN_DIR"
                + " --out "
                + parent(file));
      }
      if (!Files.isRegularFile(file)) {
        throw new CbnsException(
            file
                + ": not found; export the towers with cbns export-onnx RUN_DIR --out "
                + parent(file));
      }
      if (isEmpty(file)) {
        throw new CbnsException(
            file + ": an empty file, not an ONNX model; export it again with cbns export-onnx");
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
                + "); export it again with cbns export-onnx",
            e);
      }
    }

    private Map<String, String> metadata(OrtSession session, Path file) {
      try {
        return session.getMetadata().getCustomMetadata();
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
                + " were exported from another model; export again with cbns export-onnx");
      }
      for (var e : List.of(Map.entry(userMeta, userTower), Map.entry(itemMeta, itemTower))) {
        checkSize(e.getKey(), e.getValue(), "num_users", trainByUser.numRows(), "users");
        checkSize(e.getKey(), e.getValue(), "num_items", trainByUser.numColumns(), "items");
        String fp = e.getKey().getOrDefault(OnnxMetadata.DATASET_FINGERPRINT, "");
        if (expectedFingerprint != null && !fp.isEmpty() && !fp.equals(expectedFingerprint)) {
          throw new CbnsException(
              e.getValue()
                  + ": exported from a model trained on dataset "
                  + fp
                  + ", not on this run's dataset "
                  + expectedFingerprint
                  + "; export again with cbns export-onnx");
        }
      }
      return du;
    }

    private static void checkPart(Map<String, String> meta, Path file, String part) {
      String actual = meta.get(OnnxMetadata.PART);
      if (!part.equals(actual)) {
        throw new CbnsException(
            file
                + ": expected the "
                + part
                + " tower but its metadata says "
                + (actual == null
                    ? "nothing (not exported by cbns)"
                    : OnnxMetadata.PART + "=" + actual));
      }
    }

    private static int dimension(Map<String, String> meta, Path file) {
      String v = meta.get(OnnxMetadata.DIMENSION);
      try {
        return Integer.parseInt(requireNonNull(v, "missing"));
      } catch (RuntimeException e) {
        throw new CbnsException(
            file + ": metadata " + OnnxMetadata.DIMENSION + " is missing or not a number: " + v);
      }
    }

    private static void checkSize(
        Map<String, String> meta, Path file, String key, int expected, String what) {
      String v = meta.get(OnnxMetadata.PREFIX + key);
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

    private float[][] encodeAllItems(OrtEnvironment env, OrtSession item, int d) {
      int n = trainByUser.numColumns();
      float[][] columns = new float[d][n];
      for (int start = 0; start < n; start += batchSize) {
        int rows = Math.min(batchSize, n - start);
        long[] ids = new long[rows];
        for (int i = 0; i < rows; i++) {
          ids[i] = start + i;
        }
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
          if (item.getInputNames().contains(TowerGraph.ITEM_ID)) {
            in.put(
                TowerGraph.ITEM_ID,
                OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {rows}));
          }
          if (readsFeatures(item, "item")) {
            putFeatures(env, in, FeatureInputs.build("item", itemFeatures, ids));
          }
          try (OrtSession.Result r = item.run(in)) {
            float[] e = output(r, rows, d, itemTower);
            for (int i = 0; i < rows; i++) {
              for (int j = 0; j < d; j++) {
                columns[j][start + i] = e[i * d + j];
              }
            }
          }
        } catch (OrtException e) {
          throw new CbnsException(itemTower + ": ONNX Runtime failed: " + ortMessage(e), e);
        } finally {
          in.values().forEach(OnnxTensor::close);
        }
      }
      return columns;
    }

    /**
     * Fails when the tower reads feature inputs ({@code <side>_...} other than the id) but no
     * feature table was given.
     */
    private static void checkFeatureInputs(
        OrtSession session, Path file, FeatureTable features, String side) {
      if (features == null && readsFeatures(session, side)) {
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
    }

    /**
     * The histories a {@code youtube-dnn} user tower pools, with any problem of its metadata
     * reported against the file.
     */
    private UserHistories histories(Map<String, String> userMeta) {
      try {
        return OnnxMetadata.userHistories(userMeta, trainByUser);
      } catch (CbnsException e) {
        throw new CbnsException(userTower + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        // a history length that is not a number: the file was edited or is not ours
        throw new CbnsException(
            userTower
                + ": unreadable history metadata ("
                + e.getMessage()
                + "); export it again with cbns export-onnx",
            e);
      }
    }

    private static boolean isEmpty(Path file) {
      try {
        return Files.size(file) == 0;
      } catch (java.io.IOException e) {
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

  /**
   * ONNX Runtime's message on one line, without the parts that only repeat what the caller's
   * message says: it may span lines, starts with {@code Error code - ORT_FAIL - message: }, and a
   * load error repeats the path ({@code Load model from <file> failed:}).
   */
  static String ortMessage(OrtException e) {
    String m = String.valueOf(e.getMessage()).replaceAll("\\s+", " ").strip();
    m = m.replaceFirst("^Error code - \\w+ - message: ", "");
    return m.replaceFirst("^Load model from .* failed: ?", "");
  }

  /** One output line: {@code user<TAB>item:score,item:score,...}, scores with 6 decimals. */
  public static String formatLine(Recommendation r, IdMap users, IdMap items) {
    StringBuilder sb = new StringBuilder(16 + r.items().length * 16);
    sb.append(users.format(r.user())).append('\t');
    for (int i = 0; i < r.items().length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(items.format(r.items()[i])).append(':');
      appendFixed6(sb, r.scores()[i]);
    }
    return sb.toString();
  }

  /** Appends {@code value} with 6 decimals, as {@code %.6f} (which costs ~10x more per score). */
  static void appendFixed6(StringBuilder sb, float value) {
    double v = value;
    if (Double.isNaN(v) || Double.isInfinite(v) || Math.abs(v) >= 1e12) {
      sb.append(String.format(Locale.ROOT, "%.6f", v));
      return;
    }
    long micros = Math.round(Math.abs(v) * 1e6);
    if (v < 0 && micros != 0) {
      sb.append('-');
    }
    sb.append(micros / 1_000_000).append('.');
    String frac = Long.toString(micros % 1_000_000);
    for (int i = frac.length(); i < 6; i++) {
      sb.append('0');
    }
    sb.append(frac);
  }
}
