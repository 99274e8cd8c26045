package io.cbns.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;

/**
 * Plain stochastic gradient descent, {@code w -= lr * (g + weightDecay * w)}, with the learning
 * rate from a schedule. Dense: every row of every parameter is updated, which matters only with
 * weight decay. Its only state is the update count (checkpointed). Not thread-safe.
 */
public final class Sgd extends CheckpointableOptimizer {
  private Sgd(Builder b) {
    super(b, b.learningRate);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    float lr = learningRate(parameterId, nextCount(parameterId));
    try (NDScope scope = new NDScope()) {
      weight.subi(prepare(grad, weight).mul(lr));
      zeroGradient(weight, null);
    }
  }

  /** Embedding tables get row-sparse gradients. */
  @Override
  public boolean rowSparse() {
    return true;
  }

  /** Updates only the given rows (row-sparse gradients); weight decay then applies to them only. */
  @Override
  public void updateRows(String parameterId, NDArray weight, NDArray rowIds, NDArray rowGradients) {
    float lr = learningRate(parameterId, nextCount(parameterId));
    if (rowIds.size() == 0) {
      return;
    }
    try (NDScope scope = new NDScope()) {
      NDIndex index = new NDIndex("{}", rowIds);
      NDArray w = Rows.gather(weight, rowIds);
      weight.set(index, w.sub(prepare(rowGradients, w).mul(lr)));
    }
  }

  /** Builder. */
  public static final class Builder extends OptimizerBuilder<Builder> {
    private ParameterTracker learningRate = Tracker.fixed(0.01f);

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    public Builder optLearningRateTracker(ParameterTracker tracker) {
      this.learningRate = tracker;
      return this;
    }

    public Sgd build() {
      return new Sgd(this);
    }
  }
}
