package io.cbns.data.arrow.format;

/** File and column names of a dataset directory, and the schema version this code reads. */
public final class DatasetLayout {
  /** The only {@code schema_version} this code reads and writes. */
  public static final int SCHEMA_VERSION = 1;

  public static final String MANIFEST = "manifest.json";
  public static final String TRAIN = "train.arrow";
  public static final String VALIDATION = "validation.arrow";
  public static final String TEST = "test.arrow";
  public static final String ITEM_COUNTS = "item_counts.arrow";
  public static final String USER_IDS = "user_ids.arrow";
  public static final String ITEM_IDS = "item_ids.arrow";
  public static final String ITEM_FEATURES = "item_features.arrow";
  public static final String USER_FEATURES = "user_features.arrow";

  public static final String USER_ID = "user_id";
  public static final String ITEM_ID = "item_id";
  public static final String TIMESTAMP = "timestamp";
  public static final String WEIGHT = "weight";
  public static final String COUNT = "count";
  public static final String ID = "id";
  public static final String ORIGINAL_ID = "original_id";

  private DatasetLayout() {}
}
