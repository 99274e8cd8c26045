package io.cbns.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * A user tower and an item tower whose outputs share one space; the score of (user, item) is the
 * dot product of their encodings.
 *
 * <p><b>NDArray ownership.</b> Inputs belong to the caller. Outputs are attached to the manager of
 * the input ids (the caller's per-step manager during training), so closing that manager frees
 * them. Parameters live in the block's own manager, created by the factory, and are freed by {@link
 * #close()}.
 *
 * <p><b>Shapes.</b> ids are {@code int64 [n]}; outputs are {@code float32 [n, dimension()]}.
 *
 * <p>Not thread-safe: one trainer or evaluator uses a model at a time.
 */
public interface TwoTowerModel extends AutoCloseable {
  /** The block whose parameters are trained, saved and loaded. */
  Block block();

  /** Output dimension d of both towers. */
  int dimension();

  /**
   * Encodes users.
   *
   * @param ps the parameter store of the trainer (or one without a server, for inference)
   * @param userIds {@code int64 [n]}
   * @param targetItemIds {@code int64 [n]}, the item each row is trained to predict (towers that
   *     pool a user's history leave it out, so the target does not leak into the input); {@code
   *     null} at inference
   * @param training whether this is a training pass (dropout, gradients)
   * @return {@code float32 [n, d]}
   */
  NDArray encodeUsers(ParameterStore ps, NDArray userIds, NDArray targetItemIds, boolean training);

  /**
   * Encodes items.
   *
   * @param ps the parameter store
   * @param itemIds {@code int64 [n]}
   * @param training whether this is a training pass
   * @return {@code float32 [n, d]}
   */
  NDArray encodeItems(ParameterStore ps, NDArray itemIds, boolean training);

  /**
   * Encodes a training batch's users and items in one call: what a training step asks for. The
   * default encodes each side on its own; a tower whose two sides share work (the whole-graph
   * propagation of a multi-layer graph tower) overrides it to do that work once.
   *
   * @param userIds {@code int64 [n]}
   * @param itemIds {@code int64 [n]}: each row's item, the users' targets (see {@link
   *     #encodeUsers}) and the items to encode
   * @return the users {@code [n, d]} and the items {@code [n, d]}, in that order
   */
  default NDList encodeBatch(
      ParameterStore ps, NDArray userIds, NDArray itemIds, boolean training) {
    return new NDList(
        encodeUsers(ps, userIds, itemIds, training), encodeItems(ps, itemIds, training));
  }

  /**
   * Whether encoding an item again is cheap (an id lookup) rather than expensive (feature MLPs,
   * pooling). Samplers that could either cache embeddings or re-encode ids use it to choose.
   */
  default boolean cheapItemReencoding() {
    return true;
  }

  /** Frees the parameters. */
  @Override
  void close();
}
