package io.cbns.core.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

final class TestPlateauSchedule {

  private static PlateauSchedule schedule() {
    var base = new LearningRateSchedule(LearningRateSchedule.Kind.CONSTANT, 0.01, 10, 1, 1, 0, 1);
    return new PlateauSchedule(base, 2, 0.1, 0.0002, 20);
  }

  @Test
  void cutsTheRateAfterPatienceEvaluationsWithoutANewBestDownToTheFloor() {
    PlateauSchedule s = schedule();
    assertThat(s.rate(0)).isCloseTo(0.001, within(1e-12)); // the base's warm-up
    s.observe(0.10);
    s.observe(0.12);
    s.observe(0.11);
    assertThat(s.rate(100)).isCloseTo(0.01, within(1e-12));
    s.observe(0.12); // equal is not better
    assertThat(s.rate(100)).isCloseTo(0.001, within(1e-12));
    s.observe(0.13); // a new best resets the count
    s.observe(0.10);
    assertThat(s.rate(100)).isCloseTo(0.001, within(1e-12));
    s.observe(0.10);
    assertThat(s.rate(100)).isCloseTo(0.0002, within(1e-12)); // 0.0001 is below the floor
    s.observe(0.10);
    s.observe(0.10);
    assertThat(s.rate(100)).isCloseTo(0.0002, within(1e-12));
  }

  @Test
  void aResumedScheduleContinuesWhereItStopped() throws IOException {
    PlateauSchedule s = schedule();
    s.observe(0.2);
    s.observe(0.1);
    s.observe(0.1);
    s.observe(0.1); // one evaluation into the next count
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    s.saveState(new DataOutputStream(bytes));
    PlateauSchedule resumed = schedule();
    resumed.loadState(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertThat(resumed.scale()).isCloseTo(0.1, within(1e-12));
    resumed.observe(0.1);
    s.observe(0.1);
    assertThat(resumed.scale()).isCloseTo(0.01, within(1e-12)).isEqualTo(s.scale());
  }

  @Test
  void aRateThatReachedAFloorOfInexactArithmeticIsNotCutAgain() {
    // 0.01 x 0.1 x 0.1 is 1.0000000000000002e-4 in doubles: the floor 1e-4 is reached after two
    // cuts, and further plateaus leave the scale alone
    var base = new LearningRateSchedule(LearningRateSchedule.Kind.CONSTANT, 0.01, 0, 1, 1, 0, 1);
    PlateauSchedule s = new PlateauSchedule(base, 1, 0.1, 1e-4, 20);
    s.observe(0.2);
    s.observe(0.1);
    s.observe(0.1);
    assertThat(s.scale()).isCloseTo(0.01, within(1e-15));
    s.observe(0.1);
    s.observe(0.1);
    assertThat(s.scale()).isCloseTo(0.01, within(1e-15));
    assertThat(s.rate(100)).isCloseTo(1e-4, within(1e-15));
  }
}
