package io.cbns.runner;

import io.cbns.core.checkpoint.Checkpointable;
import io.cbns.core.train.TrainingInfo;
import io.cbns.core.train.TrainingListener;
import io.cbns.core.train.TrainingSummary;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The wall time of a run across the sessions of a resumed run. The trainer's training seconds are
 * checkpointed and so add up over sessions, but its total is the time of the last session only, so
 * a resumed run reported less total time than training time. This clock is checkpointed with the
 * run: each checkpoint records the time of the earlier sessions plus the current one so far, and
 * the total of a run is what the checkpoint it resumed from recorded plus the last session. Time
 * after the last checkpoint of a killed session is lost, as for the training seconds.
 *
 * <p>Used from the training thread only.
 */
final class RunClock implements TrainingListener, Checkpointable {
  private double earlierSeconds;
  private long sessionStart = System.nanoTime();

  @Override
  public void onTrainingBegin(TrainingInfo info) {
    sessionStart = System.nanoTime();
  }

  @Override
  public void saveState(DataOutputStream out) throws IOException {
    out.writeDouble(earlierSeconds + (System.nanoTime() - sessionStart) / 1e9);
  }

  @Override
  public void loadState(DataInputStream in) throws IOException {
    earlierSeconds = in.readDouble();
  }

  /** The run's total seconds: the earlier sessions' and this one's. */
  double totalSeconds(TrainingSummary summary) {
    return earlierSeconds + summary.totalSeconds();
  }
}
