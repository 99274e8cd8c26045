package io.cbns.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import io.cbns.core.checkpoint.Checkpointable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * What cbns's optimizers share: per-parameter update counts kept here (DJL's are private, so a
 * resumed run could not continue its learning-rate schedule or Adam's bias correction), gradient
 * preparation as DJL does it (rescale, clip, weight decay), zeroing of the accumulated gradient,
 * and checkpointing of the counts plus the subclass's state.
 *
 * <p>The learning rate comes from a {@link ParameterTracker} called with the 1-based update count
 * of the parameter, so a {@link LearningRateSchedule} sees the global step when every parameter is
 * updated every step (the trainer does). Not thread-safe.
 */
public abstract class CheckpointableOptimizer extends Optimizer implements Checkpointable {
  private final ParameterTracker learningRate;
  private final Map<String, Integer> counts = new TreeMap<>();

  protected CheckpointableOptimizer(OptimizerBuilder<?> builder, ParameterTracker learningRate) {
    super(builder);
    this.learningRate = learningRate;
  }

  /** Counts one more update of {@code parameterId} and returns the new count (from 1). */
  protected final int nextCount(String parameterId) {
    return counts.merge(parameterId, 1, Integer::sum);
  }

  /** The learning rate of update {@code count} (1-based) of {@code parameterId}. */
  protected final float learningRate(String parameterId, int count) {
    return learningRate.getNewValue(parameterId, count);
  }

  /** Rescales and clips the gradient, and adds weight decay, like DJL's optimizers. */
  protected final NDArray prepare(NDArray g, NDArray w) {
    NDArray out = rescaleGrad == 1f ? g : g.mul(rescaleGrad);
    if (clipGrad > 0) {
      out = out.clip(-clipGrad, clipGrad);
    }
    float wd = getWeightDecay();
    return wd > 0 ? out.add(w.mul(wd)) : out;
  }

  /** Zeroes the accumulated gradient of {@code weight} (the rows of {@code rows}, or all). */
  protected static void zeroGradient(NDArray weight, NDIndex rows) {
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

  @Override
  public final void saveState(DataOutputStream out) throws IOException {
    out.writeInt(counts.size());
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeInt(e.getValue());
    }
    saveMoments(out);
  }

  @Override
  public final void loadState(DataInputStream in) throws IOException {
    counts.clear();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      counts.put(in.readUTF(), in.readInt());
    }
    loadMoments(in);
  }

  /**
   * Whether this optimizer wants row-sparse gradients for embedding tables (a {@link
   * RowGradientStore} in the step), updated through {@link #updateRows}. The default is false:
   * every parameter then gets a dense gradient and {@link #update}.
   */
  public boolean rowSparse() {
    return false;
  }

  /**
   * Updates rows {@code rowIds} of {@code weight} from their gradients alone; only called when
   * {@link #rowSparse()} is true.
   *
   * @param parameterId the parameter's stable name (state key)
   * @param weight the {@code [N, d]} parameter, updated in place
   * @param rowIds distinct row ids {@code int64 [u]}
   * @param rowGradients their gradients {@code float32 [u, d]}
   */
  public void updateRows(String parameterId, NDArray weight, NDArray rowIds, NDArray rowGradients) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " does not update rows; it wants dense gradients");
  }

  /** Writes the optimizer's own state (moments); the default writes nothing. */
  protected void saveMoments(DataOutputStream out) throws IOException {}

  /** Reads what {@link #saveMoments} wrote. */
  protected void loadMoments(DataInputStream in) throws IOException {}
}
