package io.cbns.models.onnx;

import static java.util.Objects.requireNonNull;

import io.cbns.core.CbnsException;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.model.OnnxContract;
import io.cbns.models.tower.UserHistories;
import io.cbns.models.tower.YoutubeDnnModel;
import java.util.Map;

/**
 * The {@code metadata_props} keys of the exported towers (the shared ones are {@link
 * OnnxContract}'s), and what serving code rebuilds from them.
 */
public final class OnnxMetadata {
  /** Prefix of every key written by the exporter. */
  public static final String PREFIX = OnnxContract.PREFIX;

  /** The tower type: {@code mf} or {@code youtube-dnn}. */
  public static final String TOWER = OnnxContract.TOWER;

  /** Which tower the file holds: {@code user} or {@code item}. */
  public static final String PART = OnnxContract.PART;

  /** The output dimension d. */
  public static final String DIMENSION = OnnxContract.DIMENSION;

  /** Whether outputs are L2-normalised ({@code true}/{@code false}). */
  public static final String NORMALIZE = OnnxContract.NORMALIZE;

  /** The run (or initialisation) seed. */
  public static final String SEED = OnnxContract.SEED;

  /** The fingerprint of the dataset the model was trained on, as the caller computed it. */
  public static final String DATASET_FINGERPRINT = OnnxContract.DATASET_FINGERPRINT;

  /** Versions of cbns and DJL that wrote the file. */
  public static final String FRAMEWORK_VERSION = PREFIX + "framework_version";

  /** Comma-separated input names, in order. */
  public static final String INPUTS = PREFIX + "inputs";

  /** The output name. */
  public static final String OUTPUT = PREFIX + "output";

  /** Prefix of the caller's configuration entries ({@code cbns.config.<key>}). */
  public static final String CONFIG_PREFIX = PREFIX + "config.";

  /**
   * Prefix of what the run's {@code auto} options resolved to ({@code cbns.effective.<key>}, e.g.
   * {@code cbns.effective.sampler.bank-mode}).
   */
  public static final String EFFECTIVE_PREFIX = PREFIX + "effective.";

  /** {@code youtube-dnn}: the history cap used to build the {@code history} input. */
  public static final String HISTORY_LENGTH = OnnxContract.HISTORY_LENGTH;

  private OnnxMetadata() {}

  /**
   * Rebuilds the histories an exported {@code youtube-dnn} user tower was trained with, so that
   * {@link UserHistories#batch(long[], long[]) batch(userIds, null)} yields its {@code history} and
   * {@code history_mask} inputs.
   *
   * @param metadata the model's custom metadata (ONNX Runtime: {@code
   *     session.getMetadata().getCustomMetadata()})
   * @param trainByUser the train interactions of the same dataset
   * @throws CbnsException when the metadata is not that of a {@code youtube-dnn} user tower, or the
   *     matrix does not match its sizes
   */
  public static UserHistories userHistories(Map<String, String> metadata, CsrMatrix trainByUser) {
    requireNonNull(metadata, "metadata is null");
    requireNonNull(trainByUser, "trainByUser is null");
    if (!YoutubeDnnModel.NAME.equals(metadata.get(TOWER))) {
      throw new CbnsException(
          "the ONNX model is a '"
              + metadata.get(TOWER)
              + "' tower; only youtube-dnn pools histories");
    }
    int length = Integer.parseInt(required(metadata, HISTORY_LENGTH));
    String users = metadata.get(OnnxContract.NUM_USERS);
    String items = metadata.get(OnnxContract.NUM_ITEMS);
    if (users != null && Integer.parseInt(users) != trainByUser.numRows()
        || items != null && Integer.parseInt(items) != trainByUser.numColumns()) {
      throw new CbnsException(
          "the ONNX model was trained on "
              + users
              + " users x "
              + items
              + " items, the given histories are "
              + trainByUser.numRows()
              + " x "
              + trainByUser.numColumns()
              + "; use the dataset it was trained on");
    }
    return UserHistories.select(trainByUser, length);
  }

  private static String required(Map<String, String> metadata, String key) {
    String v = metadata.get(key);
    if (v == null) {
      throw new CbnsException("the ONNX model's metadata lacks " + key);
    }
    return v;
  }
}
