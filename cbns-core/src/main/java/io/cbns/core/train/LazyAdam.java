package io.cbns.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Adam with lazy (row-sparse) updates of matrices: only the rows of a 2-d parameter whose gradient
 * is non-zero in this step are updated, together with their first and second moments, as
 * TensorFlow's LazyAdam and PyTorch's SparseAdam do. An id-embedding table of N rows touched by B
 * ids per step then costs O(B d) per step instead of O(N d), and rows not seen keep their moments
 * instead of decaying them. Parameters of other ranks (biases) get the plain Adam update.
 *
 * <p>When every row is touched every step the result equals Adam's (a test checks it against DJL's
 * Adam). Bias correction counts the updates of each parameter, as Adam does.
 *
 * <p>After the update the parameter's gradient is zeroed (the engine accumulates gradients).
 * Intermediate arrays are closed in an {@link NDScope}; the moment arrays live in the parameter's
 * manager. Not thread-safe.
 */
public final class LazyAdam extends Optimizer {
  private final ParameterTracker learningRate;
  private final float beta1;
  private final float beta2;
  private final float epsilon;
  private final Map<String, NDArray> means = new ConcurrentHashMap<>();
  private final Map<String, NDArray> variances = new ConcurrentHashMap<>();

  private LazyAdam(Builder b) {
    super(b);
    this.learningRate = b.learningRate;
    this.beta1 = b.beta1;
    this.beta2 = b.beta2;
    this.epsilon = b.epsilon;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    int t = updateCount(parameterId);
    float lr = learningRate.getNewValue(parameterId, t);
    float correction1 = (float) (1 - Math.pow(beta1, t));
    float correction2 = (float) (1 - Math.pow(beta2, t));
    NDArray mean = means.computeIfAbsent(parameterId, k -> weight.zerosLike());
    NDArray variance = variances.computeIfAbsent(parameterId, k -> weight.zerosLike());
    NDIndex touched = null;
    try (NDScope scope = new NDScope()) {
      if (weight.getShape().dimension() == 2) {
        // the rows this step touched: max |g| > 0 (measured 2x faster than counting non-zeros)
        NDArray rows = grad.abs().max(new int[] {1}).gt(0).nonzero().reshape(-1);
        if (rows.size() > 0) {
          NDIndex index = new NDIndex("{}", rows);
          touched = index;
          NDArray g = prepare(grad.get(index), weight.get(index));
          NDArray m = mean.get(index).mul(beta1).add(g.mul(1 - beta1));
          NDArray v = variance.get(index).mul(beta2).add(g.square().mul(1 - beta2));
          mean.set(index, m);
          variance.set(index, v);
          weight.set(index, weight.get(index).sub(step(m, v, lr, correction1, correction2)));
        }
      } else {
        NDArray g = prepare(grad, weight);
        mean.muli(beta1).addi(g.mul(1 - beta1));
        variance.muli(beta2).addi(g.square().mul(1 - beta2));
        weight.subi(step(mean, variance, lr, correction1, correction2));
      }
      if (weight.getShape().dimension() != 2) {
        zeroGradient(weight, null);
      } else if (touched != null) {
        // only the touched rows hold a gradient: zero them instead of the whole table
        zeroGradient(weight, touched);
      }
    }
  }

  /** Zeroes the accumulated gradient of {@code weight} (the rows of {@code rows}, or all). */
  private static void zeroGradient(NDArray weight, NDIndex rows) {
    if (!weight.hasGradient()) {
      return;
    }
    NDArray accumulated = weight.getGradient();
    if (rows == null) {
      accumulated.subi(accumulated);
    } else {
      accumulated.set(rows, 0f);
    }
  }

  /** Rescales and clips the gradient rows, and adds weight decay, like DJL's optimizers. */
  private NDArray prepare(NDArray g, NDArray w) {
    NDArray out = rescaleGrad == 1f ? g : g.mul(rescaleGrad);
    if (clipGrad > 0) {
      out = out.clip(-clipGrad, clipGrad);
    }
    float wd = getWeightDecay();
    return wd > 0 ? out.add(w.mul(wd)) : out;
  }

  private NDArray step(NDArray m, NDArray v, float lr, float c1, float c2) {
    return m.div(c1).mul(lr).div(v.div(c2).sqrt().add(epsilon));
  }

  /** The device of this optimizer's state for {@code parameterId}, if any (for tests). */
  Device stateDevice(String parameterId) {
    NDArray m = means.get(parameterId);
    return m == null ? null : m.getDevice();
  }

  /** Builder: learning rate and betas as Adam's. */
  public static final class Builder extends OptimizerBuilder<Builder> {
    private ParameterTracker learningRate = Tracker.fixed(0.001f);
    private float beta1 = 0.9f;
    private float beta2 = 0.999f;
    private float epsilon = 1e-8f;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    public Builder optLearningRateTracker(ParameterTracker tracker) {
      this.learningRate = tracker;
      return this;
    }

    public Builder optBeta1(float beta1) {
      this.beta1 = beta1;
      return this;
    }

    public Builder optBeta2(float beta2) {
      this.beta2 = beta2;
      return this;
    }

    public Builder optEpsilon(float epsilon) {
      this.epsilon = epsilon;
      return this;
    }

    public LazyAdam build() {
      if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0)) {
        throw new IllegalArgumentException("need 0 <= beta1, beta2 < 1 and epsilon > 0");
      }
      return new LazyAdam(this);
    }
  }
}
