package io.cbns.serving;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
import io.cbns.serving.index.ExactIndex;
import io.cbns.serving.index.Exclusion;
import io.cbns.serving.index.HnswIndex;
import io.cbns.serving.index.ItemEmbeddings;
import io.cbns.serving.index.ItemIndex;
import io.cbns.serving.index.ScoredItems;
import io.cbns.serving.onnx.OnnxTowers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Top-k retrieval with the exported towers: the item tower encodes every item once (at {@link
 * Builder#build()}) into an {@link ItemIndex}, the user tower encodes the queried users, a user's
 * score for an item is the dot product of the two embeddings, and a user's train items are never
 * recommended (the index skips them while it searches).
 *
 * <p>The index is exact by default; {@link Builder#optHnswIndex} uses an HNSW index built by {@code
 * cbns index} ({@link HnswIndex#build}) instead, which must have been built from the same item
 * tower file.
 *
 * <p>Thread-safe after {@code build()}: one instance serves every request thread. {@link #close()}
 * closes the ONNX sessions and the index.
 */
public final class Recommender implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Recommender.class);

  /**
   * The top items of one user, best first.
   *
   * @param user the dense user id, or -1 for a query vector
   * @param items dense item ids, at most k (fewer when the user's train items leave fewer)
   * @param scores their scores (dot products), descending; ties go to the lower item id
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

  private final OnnxTowers towers;
  private final CsrMatrix trainByUser;
  private final ItemEmbeddings items;
  private final ItemIndex index;

  private Recommender(
      OnnxTowers towers, CsrMatrix trainByUser, ItemEmbeddings items, ItemIndex index) {
    this.towers = towers;
    this.trainByUser = trainByUser;
    this.items = items;
    this.index = index;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The embedding dimension d. */
  public int dimension() {
    return towers.dimension();
  }

  /** The number of users ({@code [0, numUsers())} may be queried). */
  public int numUsers() {
    return trainByUser.numRows();
  }

  /** The number of items. */
  public int numItems() {
    return trainByUser.numColumns();
  }

  /** The execution provider of the towers, {@code CPU} or {@code CUDA}. */
  public String provider() {
    return towers.provider();
  }

  /** The index that answers the queries. */
  public ItemIndex index() {
    return index;
  }

  /** The number of train items of {@code user}, never recommended to them. */
  public int trainItems(int user) {
    checkUser(user);
    return trainByUser.rowLength(user);
  }

  /** A copy of the item embeddings: {@code numItems * d}, row-major. */
  public float[] itemEmbeddings() {
    return items.values().clone();
  }

  /**
   * Encodes users with the user tower.
   *
   * @return {@code users.length * d} floats, row-major
   * @throws CbnsException for an id outside {@code [0, numUsers())}
   */
  public float[] userEmbeddings(long[] users) {
    requireNonNull(users, "users is null");
    for (long u : users) {
      checkUser(u);
    }
    return towers.users().encode(users);
  }

  /**
   * The top {@code k} items of each user, the user's train items excluded; batches of more than 8
   * users are scored in parallel on the common fork-join pool.
   *
   * @throws CbnsException for an id outside {@code [0, numUsers())}
   */
  public List<Recommendation> recommend(long[] users, int k) {
    return recommend(users, k, true);
  }

  /**
   * The top {@code k} items of each user, the user's train items excluded.
   *
   * @param parallel whether the queries of a batch may run in parallel (false inside a server's
   *     request threads)
   * @throws CbnsException for an id outside {@code [0, numUsers())}
   */
  public List<Recommendation> recommend(long[] users, int k, boolean parallel) {
    checkK(k);
    float[] queries = userEmbeddings(users);
    Exclusion[] exclusions = new Exclusion[users.length];
    for (int i = 0; i < users.length; i++) {
      exclusions[i] = Exclusion.ofRow(trainByUser, (int) users[i]);
    }
    ScoredItems[] found = index.search(queries, k, exclusions, parallel);
    List<Recommendation> out = new ArrayList<>(users.length);
    for (int i = 0; i < users.length; i++) {
      out.add(new Recommendation((int) users[i], found[i].items(), found[i].scores()));
    }
    return out;
  }

  /**
   * The top {@code k} items for a user vector given directly (e.g. computed elsewhere); nothing is
   * excluded.
   *
   * @param vector d finite floats
   * @throws IllegalArgumentException for a vector of another length or with a non-finite value
   */
  public Recommendation recommendForVector(float[] vector, int k) {
    requireNonNull(vector, "vector is null");
    checkK(k);
    if (vector.length != dimension()) {
      throw new IllegalArgumentException(
          "the vector has " + vector.length + " values, the towers' dimension is " + dimension());
    }
    for (int j = 0; j < vector.length; j++) {
      if (!Float.isFinite(vector[j])) {
        throw new IllegalArgumentException("the vector's value " + j + " is " + vector[j]);
      }
    }
    ScoredItems r = index.search(vector, k, Exclusion.NONE);
    return new Recommendation(-1, r.items(), r.scores());
  }

  @Override
  public void close() {
    try {
      index.close();
    } finally {
      towers.close();
    }
  }

  private void checkUser(long u) {
    if (u < 0 || u >= trainByUser.numRows()) {
      throw new CbnsException(
          "unknown user id " + u + ": the model knows users 0.." + (trainByUser.numRows() - 1));
    }
  }

  private static void checkK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
  }

  /** Builder: {@code setTowers} and {@code setTrainByUser} are required. */
  public static final class Builder {
    private OnnxTowers towers;
    private CsrMatrix trainByUser;
    private Path hnswIndex;
    private int efSearch = HnswIndex.DEFAULT_EF_SEARCH;

    private Builder() {}

    /** The towers; the recommender closes them (also when {@code build()} fails). */
    public Builder setTowers(OnnxTowers towers) {
      this.towers = requireNonNull(towers, "towers is null");
      return this;
    }

    /** The train interactions of the dataset: the items never recommended to each user. */
    public Builder setTrainByUser(CsrMatrix trainByUser) {
      this.trainByUser = requireNonNull(trainByUser, "trainByUser is null");
      return this;
    }

    /**
     * Searches with the HNSW index in {@code dir} (built by {@code cbns index} from the same item
     * tower file) instead of exactly.
     */
    public Builder optHnswIndex(Path dir) {
      this.hnswIndex = requireNonNull(dir, "dir is null");
      return this;
    }

    /** HNSW candidates per query (default {@link HnswIndex#DEFAULT_EF_SEARCH}). */
    public Builder optEfSearch(int efSearch) {
      if (efSearch < 1) {
        throw new IllegalArgumentException("efSearch must be >= 1, got " + efSearch);
      }
      this.efSearch = efSearch;
      return this;
    }

    /**
     * Encodes every item and opens the index.
     *
     * @throws CbnsException when the towers fail or the index does not fit them
     */
    public Recommender build() {
      requireNonNull(towers, "towers is not set");
      try {
        requireNonNull(trainByUser, "trainByUser is not set");
        if (trainByUser.numRows() != towers.users().count()
            || trainByUser.numColumns() != towers.items().count()) {
          throw new IllegalArgumentException("trainByUser is not the matrix the towers serve");
        }
        long t0 = System.nanoTime();
        ItemEmbeddings items =
            new ItemEmbeddings(
                towers.items().count(), towers.dimension(), towers.items().encodeAll());
        LOG.info(
            "encoded {} items (d = {}) with {} in {} ms",
            items.numItems(),
            items.dimension(),
            towers.items().file().getFileName(),
            (System.nanoTime() - t0) / 1_000_000);
        ItemIndex index;
        if (hnswIndex == null) {
          index = new ExactIndex(items);
        } else {
          if (!Files.isDirectory(hnswIndex)) {
            throw new CbnsException(
                hnswIndex + ": no such index; build it with ./cbns index RUN_DIR");
          }
          index =
              HnswIndex.open(hnswIndex, items, HnswIndex.sourceOf(towers.items().file()), efSearch);
        }
        LOG.info("searching with {}", index.describe());
        return new Recommender(towers, trainByUser, items, index);
      } catch (RuntimeException e) {
        towers.close();
        throw e;
      }
    }
  }
}
