package io.cbns.benchmarks.e2e;

import ai.djl.pytorch.jni.JniUtils;
import io.cbns.core.CbnsException;
import io.cbns.core.train.StepInfo;
import io.cbns.core.train.TrainingInfo;
import io.cbns.core.train.TrainingListener;
import io.cbns.core.train.TrainingSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Records a window of training steps with PyTorch's operator profiler (DJL's {@link
 * JniUtils#startProfile}): every engine operator the steps run, with its time, in Chrome trace
 * format. The window starts after {@code skip} steps and lasts {@code steps} steps (or until
 * training ends). The profiler records the thread it was started on, which is the trainer's: the
 * listener is called there.
 */
final class OperatorProfile implements TrainingListener {
  private final int skip;
  private final int steps;
  private int seen;
  private boolean running;
  private Path recorded;

  OperatorProfile(int skip, int steps) {
    if (skip < 0 || steps < 1) {
      throw new IllegalArgumentException("skip must be >= 0 and steps >= 1");
    }
    this.skip = skip;
    this.steps = steps;
  }

  @Override
  public void onTrainingBegin(TrainingInfo info) {
    if (skip == 0) {
      start();
    }
  }

  @Override
  public void onStep(StepInfo step) {
    seen++;
    if (seen == skip) {
      start();
    } else if (running && seen == skip + steps) {
      stop();
    }
  }

  @Override
  public void onTrainingEnd(TrainingSummary summary) {
    if (running) {
      stop();
    }
  }

  /** Moves the recorded trace to {@code target}. */
  void write(Path target) throws IOException {
    if (recorded == null) {
      throw new CbnsException(
          "no profile was recorded: training ended after "
              + seen
              + " steps, before the profiled window (after "
              + skip
              + " steps) began; lower --warmup-steps or raise training.max-steps");
    }
    Files.move(recorded, target, StandardCopyOption.REPLACE_EXISTING);
  }

  private void start() {
    JniUtils.startProfile(false, true, false);
    running = true;
  }

  private void stop() {
    running = false;
    try {
      recorded = Files.createTempFile("cbns-profile", ".json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    JniUtils.stopProfile(recorded.toString());
  }
}
