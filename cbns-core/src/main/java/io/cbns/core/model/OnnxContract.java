package io.cbns.core.model;

/**
 * The names an exported tower carries, shared by the code that writes the ONNX files ({@code
 * cbns-models}) and the code that serves them ({@code cbns-serving}), which do not depend on each
 * other: the file names, the graph's inputs and outputs, and the keys of its {@code
 * metadata_props}.
 *
 * <p>A user tower reads {@link #USER_ID} (and, for a tower that pools histories, {@link #HISTORY}
 * and {@link #HISTORY_MASK}; for a features tower, the {@code user_<feature>} inputs) and returns
 * {@link #USER_EMBEDDING} {@code float [batch, d]}; an item tower reads {@link #ITEM_ID} (or the
 * {@code item_<feature>} inputs) and returns {@link #ITEM_EMBEDDING}. The score of a user and an
 * item is the dot product of the two outputs.
 */
public final class OnnxContract {
  /** The user tower's file name in an export folder. */
  public static final String USER_TOWER_FILE = "user_tower.onnx";

  /** The item tower's file name in an export folder. */
  public static final String ITEM_TOWER_FILE = "item_tower.onnx";

  /** Input of the user towers: {@code int64 [batch]}. */
  public static final String USER_ID = "user_id";

  /** Input of the item towers: {@code int64 [batch]}. */
  public static final String ITEM_ID = "item_id";

  /** Input of a history-pooling user tower: {@code int64 [batch, history_length]}. */
  public static final String HISTORY = "history";

  /** Input of a history-pooling user tower: {@code float [batch, history_length]}, 0 or 1. */
  public static final String HISTORY_MASK = "history_mask";

  /** Output of the user towers: {@code float [batch, d]}. */
  public static final String USER_EMBEDDING = "user_embedding";

  /** Output of the item towers: {@code float [batch, d]}. */
  public static final String ITEM_EMBEDDING = "item_embedding";

  /** Suffix of a categorical feature's mask input ({@code <side>_<feature>_mask}). */
  public static final String FEATURE_MASK_SUFFIX = "_mask";

  /** Prefix of every metadata key the exporter writes. */
  public static final String PREFIX = "cbns.";

  /** Metadata: the tower type ({@code mf}, {@code youtube-dnn}, ...). */
  public static final String TOWER = PREFIX + "tower";

  /** Metadata: which tower the file holds, {@code user} or {@code item}. */
  public static final String PART = PREFIX + "part";

  /** Metadata: the output dimension d. */
  public static final String DIMENSION = PREFIX + "dimension";

  /** Metadata: whether outputs are L2-normalised ({@code true}/{@code false}). */
  public static final String NORMALIZE = PREFIX + "normalize";

  /** Metadata: the run (or initialisation) seed. */
  public static final String SEED = PREFIX + "seed";

  /** Metadata: the fingerprint of the dataset the model was trained on. */
  public static final String DATASET_FINGERPRINT = PREFIX + "dataset_fingerprint";

  /** Metadata: the number of users the tower was built for (towers with id tables). */
  public static final String NUM_USERS = PREFIX + "num_users";

  /** Metadata: the number of items the tower was built for (towers with id tables). */
  public static final String NUM_ITEMS = PREFIX + "num_items";

  /** Metadata: the history cap of a history-pooling user tower. */
  public static final String HISTORY_LENGTH = PREFIX + "history_length";

  /**
   * The seed of the history selection: a user with more train items than the cap pools a subset
   * drawn with this seed, so that the histories are a property of the data and the cap, not of a
   * run, and serving code can rebuild them.
   */
  public static final long HISTORY_SELECTION_SEED = 0x5eed_cb45L;

  private OnnxContract() {}

  /** The input name of a categorical feature: {@code <side>_<feature>}. */
  public static String categoricalInput(String side, String feature) {
    return side + "_" + feature;
  }

  /** The input name of a tower's dense features, side by side: {@code <side>_dense}. */
  public static String denseInput(String side) {
    return side + "_dense";
  }
}
