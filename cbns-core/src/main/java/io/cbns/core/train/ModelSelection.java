package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.cbns.core.model.TwoTowerModel;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Model selection over the periodic evaluations: the best score so far and its epoch, early
 * stopping after {@code patience} evaluations without a better one, and, when the parameters are to
 * be restored, a copy of the best epoch's parameters (restore-best). The trainer feeds it the
 * selection metric of each periodic evaluation (validation Recall@K when the dataset has a
 * validation split).
 *
 * <p>Its counters are part of the trainer's checkpoint section and the copy is a section of its
 * own, so a resumed run still knows its best epoch. Not thread-safe.
 */
public final class ModelSelection {
  private final int patience;
  private final boolean keepBest;
  private final ParameterSnapshot best;
  private double bestScore = Double.NEGATIVE_INFINITY;
  private int bestEpoch;
  private int sinceBest;

  /**
   * @param patience stop after this many evaluations without a better score (0: never)
   * @param keepBest whether to keep a copy of the best epoch's parameters for {@link #restore}
   * @param manager under which the copy is kept (the training device)
   */
  public ModelSelection(int patience, boolean keepBest, NDManager manager) {
    if (patience < 0) {
      throw new IllegalArgumentException("patience must be >= 0, got " + patience);
    }
    this.patience = patience;
    this.keepBest = keepBest;
    this.best = new ParameterSnapshot(requireNonNull(manager, "manager is null"));
  }

  /**
   * Records the score of the evaluation after {@code epoch} epochs.
   *
   * @return whether training should stop early
   */
  public boolean observe(int epoch, double score, TwoTowerModel model) {
    if (score > bestScore) {
      bestScore = score;
      bestEpoch = epoch;
      sinceBest = 0;
      if (keepBest) {
        best.copyFrom(model);
      }
      return false;
    }
    return patience > 0 && ++sinceBest >= patience;
  }

  /** The best score so far (negative infinity before the first evaluation). */
  public double bestScore() {
    return bestScore;
  }

  /** The epoch of the best score (0 before the first evaluation). */
  public int bestEpoch() {
    return bestEpoch;
  }

  /** Evaluations since the best one. */
  public int sinceBest() {
    return sinceBest;
  }

  /** Copies the best epoch's parameters into {@code model}; only when they were kept. */
  public void restore(TwoTowerModel model) {
    if (!keepBest || best.isEmpty()) {
      throw new IllegalStateException("no parameters were kept to restore");
    }
    best.copyTo(model);
  }

  /** The copy of the best parameters, a checkpoint section of its own. */
  ParameterSnapshot snapshot() {
    return best;
  }

  void saveCounters(DataOutputStream out) throws IOException {
    out.writeDouble(bestScore);
    out.writeInt(bestEpoch);
    out.writeInt(sinceBest);
  }

  void loadCounters(DataInputStream in) throws IOException {
    bestScore = in.readDouble();
    bestEpoch = in.readInt();
    sinceBest = in.readInt();
  }
}
