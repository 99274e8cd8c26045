package io.cbns.core.loss;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.cbns.core.data.CsrMatrix;
import io.cbns.core.sampling.Candidates;

/**
 * Sampled softmax cross-entropy over candidate columns (docs/method.md):
 *
 * <pre>
 *   logits[i, j] = u_i . c_j / temperature  - a * log q_j   (a: the log q weight, 0 when off)
 *   loss_i       = -logits[i, i] + w * logsumexp_j(logits[i, j])
 *   loss         = mean_i loss_i
 * </pre>
 *
 * With the negative weight {@code w = 1} this is {@code -log softmax(logits[i, :])[i]}, the softmax
 * cross-entropy; {@code w > 1} weighs the log-partition (the negatives) more, as the bilateral
 * softmax loss does. It is computed as {@code -w * log p_i + (w - 1) * logits[i, i]}, the positive
 * logit coming from a row-wise dot product of the users and the first B columns.
 *
 * <p>where column {@code i} (of the first B) is row {@code i}'s positive. A column is removed from
 * row {@code i}'s softmax (its logit set to minus infinity, so it contributes neither to the loss
 * nor to the gradient) when it is a batch column other than {@code i} and the candidates say batch
 * columns are not negatives, or, with masking on, when it holds row {@code i}'s positive item
 * without being column {@code i} (an accidental hit).
 *
 * <p>With {@link LossConfig#maskKnownPositives()} a column is also removed from row {@code i}'s
 * softmax when it holds any item that row {@code i}'s user has in the train split (other than
 * column {@code i} itself): those items are positives the trainer knows of, and pushing them down
 * as negatives works against the evaluation, which never ranks a user's train items.
 *
 * <p>With a user-side weight {@code lambda > 0} ({@link LossConfig#userSoftmaxWeight()}) and batch
 * columns that are negatives, each of the first B columns also gets a softmax over the batch's
 * users, the other direction of the same logits:
 *
 * <pre>
 *   userLogits[r, j] = u_r . c_j / temperature - a * log q_user(r)     (j, r < B)
 *   userLoss_j       = -log softmax_r(userLogits[:, j])[j]
 *   loss             = mean_i loss_i + lambda * mean_j userLoss_j
 * </pre>
 *
 * where {@code q_user(r)} is how often row r's user is sampled into a batch (its share of the train
 * interactions), the users' own popularity correction (weighted like the items' log q, and off with
 * it); an item's log q is the same in every row of its column, so it cancels there. Row r is
 * removed from column j's softmax when it is another row of column j's user (the same vector
 * again), and, with {@link LossConfig#maskAccidentalHits()}, when it holds column j's item (that
 * user interacted with it too: the entry the item side removes as an accidental hit).
 *
 * <p>With per-row temperature factors {@code r} ({@link UserTemperatures}, Adap-tau), row {@code
 * i}'s log-partition uses its user's own temperature while its positive keeps the configured one:
 *
 * <pre>
 *   loss_i = -(u_i . c_i / temperature - a * log q_i)
 *            + w * logsumexp_j(r_i * u_i . c_j / temperature - a * log q_j)
 * </pre>
 *
 * computed as {@code -w * log p_i + (w r_i - 1) * u_i . c_i / temperature - (w - 1) * a * log q_i},
 * with {@code p} the softmax of the scaled logits; with every {@code r_i = 1} it is the loss above.
 *
 * <p>Stateless and thread-safe. All intermediate arrays are attached to the manager of {@code
 * userEmbeddings}; the returned scalar too.
 */
public final class SampledSoftmaxLoss {
  private final LossConfig config;
  private final CsrMatrix knownPositives;

  /**
   * A loss that needs no known positives.
   *
   * @throws IllegalArgumentException when {@link LossConfig#maskKnownPositives()} is on
   */
  public SampledSoftmaxLoss(LossConfig config) {
    this(config, null);
  }

  /**
   * @param knownPositives each user's known positives, users x items (the train split by user), for
   *     {@link LossConfig#maskKnownPositives()}; null when that is off
   * @throws IllegalArgumentException when masking known positives is on and {@code knownPositives}
   *     is null
   */
  public SampledSoftmaxLoss(LossConfig config, CsrMatrix knownPositives) {
    this.config = requireNonNull(config, "config is null");
    if (config.maskKnownPositives() && knownPositives == null) {
      throw new IllegalArgumentException(
          "masking known positives needs each user's train items (knownPositives)");
    }
    this.knownPositives = config.maskKnownPositives() ? knownPositives : null;
  }

  public LossConfig config() {
    return config;
  }

  /**
   * The mean loss over the batch.
   *
   * @param userEmbeddings {@code float32 [B, d]}
   * @param candidates {@code C >= B} columns, the first B being the rows' positives
   * @param positiveItemIds {@code int64 [B]}
   * @return a {@code float32} scalar
   */
  public NDArray compute(NDArray userEmbeddings, Candidates candidates, NDArray positiveItemIds) {
    return compute(userEmbeddings, candidates, positiveItemIds, null);
  }

  /**
   * The batch's users, for the user-side term and for masking known positives.
   *
   * @param ids each row's user id, {@code [B]}
   * @param logQ {@code float32 [B]}: each row's user's {@code log q}; needed by the user-side term
   *     only, null without it
   */
  public record BatchUsers(long[] ids, NDArray logQ) {
    public BatchUsers {
      requireNonNull(ids, "ids is null");
    }

    /** The rows' users without their {@code log q}. */
    public BatchUsers(long[] ids) {
      this(ids, null);
    }
  }

  /**
   * The mean loss over the batch, with the user-side term when its weight is positive.
   *
   * @param batchUsers the rows' users; required when {@link LossConfig#maskKnownPositives()} is on,
   *     and with their {@code log q} when {@link LossConfig#userSoftmaxWeight()} is positive and
   *     the batch columns are negatives; ignored otherwise
   * @return a {@code float32} scalar
   * @throws IllegalArgumentException when the user-side term or the masking needs {@code
   *     batchUsers} and it is null
   */
  public NDArray compute(
      NDArray userEmbeddings,
      Candidates candidates,
      NDArray positiveItemIds,
      BatchUsers batchUsers) {
    return compute(userEmbeddings, candidates, positiveItemIds, batchUsers, null);
  }

  /**
   * The mean loss over the batch, with the user-side term when its weight is positive and per-row
   * temperature factors when given.
   *
   * @param rowFactors {@code float32 [B]}, each row's temperature factor {@code r_i > 0} ({@link
   *     UserTemperatures}), or null for none (every factor 1)
   * @return a {@code float32} scalar
   * @throws IllegalArgumentException when the user-side term needs {@code batchUsers} and it is
   *     null, or {@code rowFactors} has not one value per row
   */
  public NDArray compute(
      NDArray userEmbeddings,
      Candidates candidates,
      NDArray positiveItemIds,
      BatchUsers batchUsers,
      NDArray rowFactors) {
    boolean userSide = config.userSoftmaxWeight() > 0 && candidates.batchNegatives();
    if (userSide && (batchUsers == null || batchUsers.logQ() == null)) {
      throw new IllegalArgumentException("the user-side term needs the batch's users and log q");
    }
    NDArray[] losses =
        losses(
            userEmbeddings,
            candidates,
            positiveItemIds,
            userSide ? batchUsers : null,
            rowUsers(batchUsers, userEmbeddings),
            rowFactors);
    NDArray mean = losses[0].mean();
    if (losses[1] == null) {
      return mean;
    }
    NDManager m = userEmbeddings.getManager();
    return mean.add(losses[1].mean().mul(scalar(m, config.userSoftmaxWeight(), userEmbeddings)));
  }

  /**
   * The loss of each row, {@code float32 [B]}: {@code -log p(positive_i | user_i)}.
   *
   * @see #compute
   */
  public NDArray perRow(NDArray userEmbeddings, Candidates candidates, NDArray positiveItemIds) {
    return perRow(userEmbeddings, candidates, positiveItemIds, null);
  }

  /**
   * The loss of each row, {@code float32 [B]}, with the rows' users.
   *
   * @param batchUsers the rows' users, required when masking known positives, else may be null
   * @see #compute
   */
  public NDArray perRow(
      NDArray userEmbeddings,
      Candidates candidates,
      NDArray positiveItemIds,
      BatchUsers batchUsers) {
    return losses(
        userEmbeddings,
        candidates,
        positiveItemIds,
        null,
        rowUsers(batchUsers, userEmbeddings),
        null)[0];
  }

  /**
   * The rows' users when known positives are masked, else null.
   *
   * @throws IllegalArgumentException when the masking needs them and they are missing or not one
   *     per row
   */
  private long[] rowUsers(BatchUsers batchUsers, NDArray userEmbeddings) {
    if (knownPositives == null) {
      return null;
    }
    if (batchUsers == null) {
      throw new IllegalArgumentException("masking known positives needs the batch's users");
    }
    long b = userEmbeddings.getShape().get(0);
    if (batchUsers.ids().length != b) {
      throw new IllegalArgumentException(
          "batchUsers has " + batchUsers.ids().length + " users for " + b + " rows");
    }
    return batchUsers.ids();
  }

  /**
   * Each row's loss {@code [B]}, and each column's user-side loss {@code [B]} (or null).
   *
   * @param rowUsers each row's user when known positives are masked, else null
   */
  private NDArray[] losses(
      NDArray userEmbeddings,
      Candidates candidates,
      NDArray positiveItemIds,
      BatchUsers batchUsers,
      long[] rowUsers,
      NDArray rowFactors) {
    long b = userEmbeddings.getShape().get(0);
    long c = candidates.size();
    if (c < b) {
      throw new IllegalArgumentException(
          "candidates (" + c + ") fewer than batch rows (" + b + ")");
    }
    if (rowFactors != null && rowFactors.size() != b) {
      throw new IllegalArgumentException(
          "rowFactors has " + rowFactors.size() + " values for " + b + " rows");
    }
    NDManager m = userEmbeddings.getManager();
    // (u / t) v^T: scaling the [B, d] users is cheaper than the [B, C] logits, forward and back
    NDArray users =
        config.temperature() != 1.0
            ? userEmbeddings.div(scalar(m, config.temperature(), userEmbeddings))
            : userEmbeddings;
    // per-row temperatures scale the users too: (r_i u_i / t) . c_j
    NDArray scaledUsers = rowFactors == null ? users : users.mul(rowFactors.reshape(b, 1));
    NDArray logits = logits(scaledUsers, candidates);
    double logQWeight = config.effectiveLogQWeight();
    NDArray logQ = null;
    if (logQWeight != 0) {
      logQ =
          logQWeight == 1.0
              ? candidates.logQ()
              : candidates.logQ().mul(scalar(m, logQWeight, candidates.logQ()));
      if (config.refinedLogQ()) {
        // log(K q): the columns' expected counts among the K negative draws
        long draws = Math.max(1, candidates.batchNegatives() ? c - 1 : c - b);
        logQ = logQ.add(scalar(m, Math.log(draws), logQ));
      }
      // in place: the product's backward does not read its output, so the [B, C] logits are
      // written once instead of copied into a second array
      logits.subi(logQ.reshape(1, c));
    }
    NDArray rowIndex = m.arange(0, (int) b, 1, DataType.INT64);
    if (config.refinedLogQ()) {
      // the positives keep their raw scores: their correction is added back, a constant shift of
      // b entries written through a detached alias as removeEntries writes (no derivative changes)
      try (NDArray alias = logits.stopGradient();
          NDArray flat = alias.reshape(-1);
          NDArray diagonal = rowIndex.mul(c + 1)) {
        NDIndex at = new NDIndex("{}", diagonal);
        flat.set(at, flat.get(at).add(logQ.get(new NDIndex(":{}", b))));
      }
    }
    removeEntries(m, logits, rowIndex, candidates, positiveItemIds, rowUsers);
    NDArray userSide = null;
    if (batchUsers != null) {
      // the user-side term reads the batch block at the configured temperature: with per-row
      // factors the item-side logits are scaled per row, so the block is computed again unscaled
      NDArray block = logits;
      if (rowFactors != null) {
        NDArray batchColumns = batchColumns(candidates, b);
        block = users.matMul(batchColumns.transpose());
        Candidates batchOnly =
            new Candidates(
                batchColumns,
                candidates.logQ().get(new NDIndex(":{}", b)),
                candidates.itemIds().get(new NDIndex(":{}", b)),
                true);
        removeEntries(m, block, rowIndex, batchOnly, positiveItemIds, rowUsers);
      }
      userSide = userSide(m, block, rowIndex, logQWeight, batchUsers);
    }
    NDArray logProbabilities = logits.logSoftmax(1);
    logits.close();
    NDArray picked = logProbabilities.gather(rowIndex.reshape(b, 1), 1).reshape(b);
    logProbabilities.close();
    if (config.refinedLogQ()) {
      return new NDArray[] {refinedLosses(m, users, candidates, picked), null};
    }
    double w = config.negativeWeight();
    if (w == 1.0 && rowFactors == null) {
      return new NDArray[] {picked.neg(), userSide};
    }
    NDArray positiveDots = users.mul(batchColumns(candidates, b)).sum(new int[] {1});
    if (rowFactors == null) {
      // -logit_pos + w * lse = -w * log p + (w - 1) * logit_pos, with log p = logit_pos - lse
      NDArray positiveLogits = positiveDots;
      if (logQ != null) {
        positiveLogits = positiveLogits.sub(logQ.get(new NDIndex(":{}", b)));
      }
      return new NDArray[] {
        picked
            .mul(scalar(m, -w, userEmbeddings))
            .add(positiveLogits.mul(scalar(m, w - 1, userEmbeddings))),
        userSide
      };
    }
    // -(dot_i - a lq_i) + w * lse_i with lse_i = r_i dot_i - a lq_i - log p_i:
    // -w log p_i + (w r_i - 1) dot_i - (w - 1) a lq_i
    NDArray perRow =
        picked
            .mul(scalar(m, -w, userEmbeddings))
            .add(
                positiveDots.mul(
                    rowFactors.mul(scalar(m, w, rowFactors)).sub(scalar(m, 1, rowFactors))));
    if (logQ != null && w != 1.0) {
      perRow = perRow.sub(logQ.get(new NDIndex(":{}", b)).mul(scalar(m, w - 1, userEmbeddings)));
    }
    return new NDArray[] {perRow, userSide};
  }

  /**
   * Each row's loss under the refined log q correction ({@link LossConfig#refinedLogQ()}):
   *
   * <pre>
   *   x_ij   = u_i . c_j / temperature - log((K q_j))    K: the number of negative draws
   *   x_ii   = u_i . c_i / temperature                  (the positive is not a draw)
   *   p_i    = softmax_j(x_ij)[i]                        (the model's probability of the positive)
   *   loss_i = sg(1 - p_i) * (-x_ii + w * log sum_{j != i} exp(x_ij))
   * </pre>
   *
   * The positive is always in the softmax's denominator, not drawn from q, so only the negatives
   * estimate the rest of the partition function by importance sampling (K q_j is column j's
   * expected count among the K draws: C - 1 with batch negatives, C - B without); the gradient of
   * the full softmax is then that of the bracket scaled by {@code 1 - p_i}, taken without gradient
   * ({@code sg}). With the removed entries (accidental hits, other rows' columns) at minus infinity
   * as in the standard loss. {@link #losses} builds those logits and picks {@code log p_i} (the
   * {@code [B, C]} work is the standard loss's); the bracket is computed from it here as {@code (w
   * - 1) x_ii - w log p_i + w log(1 - p_i)}.
   *
   * @param users the users scaled by the temperature, {@code [B, d]}
   * @param picked {@code log p_i}, {@code [B]}
   */
  private NDArray refinedLosses(NDManager m, NDArray users, Candidates candidates, NDArray picked) {
    double w = config.negativeWeight();
    // 1 - p_i, kept away from 0: a row whose positive has all the mass has (almost) no weight
    NDArray miss = scalar(m, 1, picked).sub(picked.exp()).clip(1e-7f, 1f);
    NDArray bracket = picked.mul(scalar(m, -w, picked)).add(miss.log().mul(scalar(m, w, picked)));
    if (w != 1.0) {
      long b = picked.size();
      NDArray positiveDots = users.mul(batchColumns(candidates, b)).sum(new int[] {1});
      bracket = bracket.add(positiveDots.mul(scalar(m, w - 1, picked)));
    }
    return bracket.mul(miss.stopGradient());
  }

  /**
   * {@code users . columns^T}, {@code [B, C]}. When the candidates' trailing columns are constants
   * ({@link Candidates#gradientColumns()} below C) their block is a product of its own with the
   * columns detached, so the backward pass computes no gradient for them: with a bank of M cached
   * embeddings that is a {@code [M, B] x [B, d]} product less per step, for one more copy of the
   * {@code [B, C]} logits (the concatenation).
   */
  private static NDArray logits(NDArray users, Candidates candidates) {
    NDArray columns = candidates.embeddings();
    long g = candidates.gradientColumns();
    long c = candidates.size();
    if (g == c) {
      return users.matMul(columns.transpose());
    }
    if (g == 0) {
      try (NDArray constant = columns.stopGradient()) {
        return users.matMul(constant.transpose());
      }
    }
    NDArray head = columns.get(new NDIndex(":{}", g));
    try (NDArray constant = columns.get(new NDIndex("{}:", g)).stopGradient()) {
      return NDArrays.concat(
          new NDList(users.matMul(head.transpose()), users.matMul(constant.transpose())), 1);
    }
  }

  /** The first B columns' embeddings: the rows' positives. */
  private static NDArray batchColumns(Candidates candidates, long b) {
    return candidates.size() == b
        ? candidates.embeddings()
        : candidates.embeddings().get(new NDIndex(":{}", b));
  }

  /**
   * Each row's hardness for {@link UserTemperatures}: the negative log-odds of its positive, {@code
   * -log(p_i / (1 - p_i))}, under the softmax of the raw scores {@code u_i . c_j} (temperature 1,
   * no log q, the same entries removed as in the loss), computed as {@code logsumexp} over the
   * row's negatives minus {@code u_i . c_i}. Without gradient; a row without negatives gets minus
   * infinity, which {@link UserTemperatures#observe} skips.
   *
   * @return {@code [B]} on the host
   */
  public float[] positiveLogOdds(
      NDArray userEmbeddings, Candidates candidates, NDArray positiveItemIds) {
    return positiveLogOdds(userEmbeddings, candidates, positiveItemIds, null);
  }

  /**
   * Each row's hardness, with the rows' users (required when masking known positives).
   *
   * @see #positiveLogOdds(NDArray, Candidates, NDArray)
   */
  public float[] positiveLogOdds(
      NDArray userEmbeddings,
      Candidates candidates,
      NDArray positiveItemIds,
      BatchUsers batchUsers) {
    long[] rowUsers = rowUsers(batchUsers, userEmbeddings);
    long b = userEmbeddings.getShape().get(0);
    NDManager m = userEmbeddings.getManager();
    try (NDManager scope = m.newSubManager()) {
      NDArray users = userEmbeddings.stopGradient();
      NDArray columns = candidates.embeddings().stopGradient();
      users.attach(scope);
      columns.attach(scope);
      NDArray scores = users.matMul(columns.transpose());
      NDArray rowIndex = scope.arange(0, (int) b, 1, DataType.INT64);
      NDArray positives = scores.gather(rowIndex.reshape(b, 1), 1).reshape(b);
      removeEntries(scope, scores, rowIndex, candidates, positiveItemIds, rowUsers);
      // the row's own column out too: logsumexp over the negatives alone, so that an easy row
      // keeps its (large, negative) value instead of rounding to log(1) in float
      scores.set(new NDIndex("{}, {}", rowIndex, rowIndex), Float.NEGATIVE_INFINITY);
      // a row without negatives (all removed) has a max of minus infinity: kept finite, so that
      // the row's log-sum-exp is log(0) = minus infinity instead of -inf - (-inf) = NaN
      NDArray max = scores.max(new int[] {1}, true).maximum(-Float.MAX_VALUE);
      NDArray logSumExp = scores.sub(max).exp().sum(new int[] {1}).log().add(max.reshape(b));
      return logSumExp.sub(positives).toFloatArray();
    }
  }

  /**
   * Sets the removed entries of {@code [B, C]} logits to minus infinity: batch columns other than
   * the row's own when they are not negatives, and, with masking, accidental hits and the rows'
   * users' known positives.
   *
   * @param rowUsers each row's user when known positives are masked, else null
   */
  private void removeEntries(
      NDManager m,
      NDArray logits,
      NDArray rowIndex,
      Candidates candidates,
      NDArray positiveItemIds,
      long[] rowUsers) {
    long c = candidates.size();
    // Removed entries get -inf, written through a detached alias of the logits (same storage), so
    // autograd does not record the write. It need not: a removed entry's softmax probability is
    // exp(-inf) = 0 and its incoming gradient is 0 (only each row's own column is picked), so
    // log_softmax's backward already gives it a zero gradient. Recorded, the write's backward
    // would copy the whole [B, C] gradient and zero the same entries again (3.7 ms of a profiled
    // in-batch step, docs/PERFORMANCE.md). Safe because nothing saved the logits for backward:
    // neither the product nor the subtraction reads them, and log_softmax saves its own output,
    // computed after the write.
    if (rowUsers != null) {
      // the known positives are on the host (a users x items matrix), so the entries are found
      // there, from the columns' ids, on every device (on a GPU the ids' copy waits for it)
      long[] columns = candidates.itemIds().toLongArray();
      // the rows' own positives too (LossConfig requires accidental-hit masking with this), in
      // case a positive is not among its user's known items
      long[] positives =
          positiveItemIds == candidates.itemIds() ? columns : positiveItemIds.toLongArray();
      removeHostEntries(m, logits, knownHits(knownPositives, rowUsers, positives, columns));
      if (!candidates.batchNegatives()) {
        NDArray batchBlock = removedColumns(m, rowIndex, c, candidates, null);
        try (NDArray alias = logits.stopGradient()) {
          alias.set(batchBlock, Float.NEGATIVE_INFINITY);
        }
        batchBlock.close();
      }
    } else if (candidates.batchNegatives()
        && config.maskAccidentalHits()
        && !logits.getDevice().isGpu()) {
      // only accidental hits to remove, and the ids are a free copy away on the CPU: the few
      // entries are found on the host instead of comparing all B x C pairs on the engine
      // one host copy when the columns' ids are the positives' own array (in-batch): a copy
      // costs tens of microseconds whatever its size
      long[] columns = candidates.itemIds().toLongArray();
      long[] positives =
          positiveItemIds == candidates.itemIds() ? columns : positiveItemIds.toLongArray();
      removeHostEntries(m, logits, accidentalHits(positives, columns));
    } else {
      // on a GPU a host copy would wait for the device: the mask is built there
      NDArray removed =
          removedColumns(
              m, rowIndex, c, candidates, config.maskAccidentalHits() ? positiveItemIds : null);
      if (removed != null) {
        try (NDArray alias = logits.stopGradient()) {
          alias.set(removed, Float.NEGATIVE_INFINITY);
        }
        removed.close();
      }
    }
  }

  /**
   * The user-side loss of each of the first B columns, {@code [B]}, from the item-side logits
   * (their removed entries already {@code -inf}: a row that holds column j's item is a positive of
   * column j too).
   */
  private static NDArray userSide(
      NDManager m, NDArray logits, NDArray rowIndex, double logQWeight, BatchUsers batchUsers) {
    long b = rowIndex.size();
    if (batchUsers.ids().length != b || batchUsers.logQ().size() != b) {
      throw new IllegalArgumentException(
          "batchUsers has " + batchUsers.ids().length + " users for " + b + " rows");
    }
    NDArray block = logits.getShape().get(1) == b ? logits : logits.get(new NDIndex(":, :{}", b));
    NDArray userLogits;
    if (logQWeight != 0) {
      NDArray logQ = batchUsers.logQ();
      if (logQWeight != 1.0) {
        logQ = logQ.mul(scalar(m, logQWeight, logQ));
      }
      userLogits = block.sub(logQ.reshape(b, 1));
    } else {
      // a recorded copy (DJL's duplicate() is not recorded by autograd), so that the -inf
      // writes below leave the item side's logits alone
      userLogits = block.mul(scalar(m, 1, block));
    }
    // another row of the same user: the column's positive user again (linear indices into
    // [B, B], found like the accidental hits); written like them, through a detached alias
    long[] sameUser = accidentalHits(batchUsers.ids(), batchUsers.ids());
    if (sameUser.length > 0) {
      try (NDArray alias = userLogits.stopGradient();
          NDArray flat = alias.reshape(-1);
          NDArray index = m.create(sameUser)) {
        flat.set(new NDIndex("{}", index), Float.NEGATIVE_INFINITY);
      }
    }
    // column j's softmax over the rows, as row j of the transpose: a log_softmax over the last
    // dimension, PyTorch's contiguous case, faster than one over the first (docs/RESULTS.md)
    NDArray logProbabilities = userLogits.transpose().logSoftmax(1);
    NDArray diagonal = logProbabilities.gather(rowIndex.reshape(b, 1), 1);
    return diagonal.reshape(b).neg();
  }

  /**
   * A scalar owned by the engine in the step's manager, never a Java number: DJL makes a {@code
   * Number} operand into a tensor over a Java direct buffer that it closes at once, autograd keeps
   * that tensor for the backward pass, and the garbage collector could free the buffer before the
   * backward pass reads it (RELIABILITY.md, "Arrays over Java buffers").
   */
  private static NDArray scalar(NDManager m, double value, NDArray like) {
    return m.full(new Shape(), (float) value, like.getDataType());
  }

  /**
   * The accidental hits as linear indices into the row-major {@code [B, C]} logits, in increasing
   * order: every entry {@code (i, j)} with {@code j != i} whose column holds row {@code i}'s
   * positive item. Found in O(B + C) with a hash table of the columns' items (each slot holds an
   * item and the chain of its columns, in increasing order), instead of comparing all B x C pairs
   * on the engine: a batch has a few thousand hits at most, against millions of entries. A hash
   * table rather than a sort because the training JVM runs C1-compiled code, where sorting a few
   * thousand keys costs more than the rest of this method.
   */
  static long[] accidentalHits(long[] positives, long[] columns) {
    ColumnTable table = new ColumnTable(columns);
    int c = columns.length;
    long[] out = new long[16];
    int n = 0;
    for (int i = 0; i < positives.length; i++) {
      for (int j = table.first(positives[i]); j >= 0; j = table.next[j]) {
        if (j != i) {
          if (n == out.length) {
            out = java.util.Arrays.copyOf(out, 2 * n);
          }
          out[n++] = (long) i * c + j;
        }
      }
    }
    return java.util.Arrays.copyOf(out, n);
  }

  /**
   * The columns of each item: a hash table (open addressing, linear probing) whose slots hold an
   * item and the chain of its columns, in increasing order.
   */
  private static final class ColumnTable {
    private final int mask;
    private final long[] slotItem;
    // the first column of the slot's item, plus one (0: empty slot)
    private final int[] slotHead;
    // the next column of the same item, or -1
    final int[] next;

    ColumnTable(long[] columns) {
      int c = columns.length;
      mask = Integer.highestOneBit(Math.max(2, 2 * c)) * 2 - 1;
      slotItem = new long[mask + 1];
      slotHead = new int[mask + 1];
      next = new int[c];
      // from the last column down, so that every chain lists its columns in increasing order
      for (int j = c - 1; j >= 0; j--) {
        int s = slot(columns[j]);
        slotItem[s] = columns[j];
        next[j] = slotHead[s] - 1;
        slotHead[s] = j + 1;
      }
    }

    /** The first column holding {@code item}, or -1; the others follow through {@link #next}. */
    int first(long item) {
      return slotHead[slot(item)] - 1;
    }

    /** The slot of {@code item}: where it is, or the empty slot where it would go. */
    private int slot(long item) {
      // a multiplicative hash (Fibonacci hashing), so that consecutive ids spread over the table
      int s = (int) ((item * 0x9E3779B97F4A7C15L) >>> 32) & mask;
      while (slotHead[s] != 0 && slotItem[s] != item) {
        s = (s + 1) & mask;
      }
      return s;
    }
  }

  /** Sets the entries at {@code linear} indices of the row-major logits to minus infinity. */
  private static void removeHostEntries(NDManager m, NDArray logits, long[] linear) {
    if (linear.length == 0) {
      return;
    }
    // through a detached alias, as removeEntries explains
    try (NDArray alias = logits.stopGradient();
        NDArray flat = alias.reshape(-1);
        NDArray index = m.create(linear)) {
      flat.set(new NDIndex("{}", index), Float.NEGATIVE_INFINITY);
    }
  }

  /**
   * The known positives as linear indices into the row-major {@code [B, C]} logits: every entry
   * {@code (i, j)} with {@code j != i} whose column holds an item of row {@code i}'s user's row of
   * {@code known}, or row {@code i}'s positive when {@code positives} is given. In no particular
   * order, possibly repeated. O(C + the rows' known items) with the hash table of {@link
   * #accidentalHits}: a row's known items are looked up among the columns, not the other way round.
   *
   * @param positives each row's positive item, or null to look up the known items only
   * @throws IllegalArgumentException when a row's user is not a row of {@code known}
   */
  static long[] knownHits(CsrMatrix known, long[] rowUsers, long[] positives, long[] columns) {
    ColumnTable table = new ColumnTable(columns);
    int[] offsets = known.rowOffsets();
    int[] items = known.columns();
    long[] out = new long[16];
    int n = 0;
    for (int i = 0; i < rowUsers.length; i++) {
      long user = rowUsers[i];
      if (user < 0 || user >= known.numRows()) {
        throw new IllegalArgumentException(
            "row "
                + i
                + "'s user "
                + user
                + " has no known positives ("
                + known.numRows()
                + " users)");
      }
      int from = offsets[(int) user];
      int to = offsets[(int) user + 1];
      for (int k = positives == null ? from : from - 1; k < to; k++) {
        long item = k < from ? positives[i] : items[k];
        for (int j = table.first(item); j >= 0; j = table.next[j]) {
          if (j != i) {
            if (n == out.length) {
              out = java.util.Arrays.copyOf(out, 2 * n);
            }
            out[n++] = (long) i * columns.length + j;
          }
        }
      }
    }
    return java.util.Arrays.copyOf(out, n);
  }

  /** The entries to remove, {@code [B, C]} boolean, or null; {@code rowIndex} is {@code 0..B-1}. */
  private NDArray removedColumns(
      NDManager m, NDArray rowIndex, long c, Candidates candidates, NDArray positiveItemIds) {
    long b = rowIndex.size();
    boolean maskHits = positiveItemIds != null;
    boolean maskBatch = !candidates.batchNegatives();
    if (!maskHits && !maskBatch) {
      return null;
    }
    NDArray removed =
        maskHits
            ? positiveItemIds.reshape(b, 1).eq(candidates.itemIds().reshape(1, c))
            : m.zeros(new Shape(b, c), DataType.BOOLEAN);
    if (maskBatch) {
      removed.set(new NDIndex(":, :{}", b), m.create(true));
    }
    // each row's own column (i, i) stays: it is the positive
    removed.set(new NDIndex("{}, {}", rowIndex, rowIndex), m.create(false));
    return removed;
  }
}
