package io.cbns.core.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

final class TestUserTemperatures {
  @Test
  void lambertWSolvesItsEquationOnTheWholeBranch() {
    assertThat(UserTemperatures.lambertW(0)).isZero();
    assertThat(UserTemperatures.lambertW(1)).isCloseTo(0.5671432904097838, within(1e-14));
    assertThat(UserTemperatures.lambertW(Math.E)).isCloseTo(1, within(1e-14));
    assertThat(UserTemperatures.lambertW(-1 / Math.E)).isCloseTo(-1, within(1e-6));
    for (double z : new double[] {-0.36, -0.3, -0.2, -1e-3, 1e-3, 0.5, 3, 10, 1e3, 1e6}) {
      double w = UserTemperatures.lambertW(z);
      assertThat(w * Math.exp(w)).as("z=%s", z).isCloseTo(z, within(1e-12 * Math.max(1, z)));
      assertThat(w).as("principal branch, z=%s", z).isGreaterThanOrEqualTo(-1);
    }
    assertThatThrownBy(() -> UserTemperatures.lambertW(-0.5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void factorsAreOneUntilAnEpochEndsThenFollowEachUsersHardness() {
    UserTemperatures t = new UserTemperatures(4, 0.5);
    long[] users = {0, 1, 2, 0, 1, 2};
    // means: user 0: 1.0, user 1: 2.0, user 2: 3.0 (mean 2.0); user 3 never seen
    t.observe(users, new float[] {0.5f, 2f, 3f, 1.5f, 2f, 3f});
    assertThat(t.factors(new long[] {0, 1, 2, 3})).containsExactly(1f, 1f, 1f, 1f);
    t.endEpoch();
    // user 1 is average: z = 0, factor 1; user 2 harder: z = 2, factor exp(-W(2)); user 0 easier:
    // z = -2 clamped to -1/e, factor exp(1) = e; user 3 keeps 1
    assertThat(t.factor(1)).isCloseTo(1f, within(1e-6f));
    assertThat(t.factor(2))
        .isCloseTo((float) Math.exp(-UserTemperatures.lambertW(2)), within(1e-6f))
        .isLessThan(1f);
    assertThat(t.factor(0)).isCloseTo((float) Math.E, within(1e-4f));
    assertThat(t.factor(3)).isEqualTo(1f);
    // the next epoch starts from empty sums: only user 2 observed, so it is the mean (factor 1),
    // and the others keep their factors
    t.observe(new long[] {2}, new float[] {10f});
    t.endEpoch();
    assertThat(t.factor(2)).isCloseTo(1f, within(1e-6f));
    assertThat(t.factor(0)).isCloseTo((float) Math.E, within(1e-4f));
  }

  @Test
  void aWiderSpreadGivesFactorsCloserToOne() {
    float narrow = hardUserFactor(0.25);
    float wide = hardUserFactor(2.0);
    assertThat(narrow).isLessThan(wide);
    assertThat(wide).isLessThan(1f);
  }

  private static float hardUserFactor(double spread) {
    UserTemperatures t = new UserTemperatures(2, spread);
    t.observe(new long[] {0, 1}, new float[] {1f, 2f});
    t.endEpoch();
    return t.factor(1);
  }

  @Test
  void nonFiniteHardnessIsSkipped() {
    UserTemperatures t = new UserTemperatures(2, 1.0);
    t.observe(new long[] {0, 1, 1}, new float[] {1f, 3f, Float.POSITIVE_INFINITY});
    t.endEpoch();
    assertThat(t.factor(1)).isLessThan(1f).isGreaterThan(0f);
    assertThat(Float.isFinite(t.factor(1))).isTrue();
  }

  @Test
  void stateRoundTripsThroughACheckpoint() throws IOException {
    UserTemperatures t = new UserTemperatures(3, 0.6);
    t.observe(new long[] {0, 1, 2}, new float[] {1f, 2f, 4f});
    t.endEpoch();
    t.observe(new long[] {0, 2}, new float[] {3f, 0.5f}); // mid-epoch sums
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    t.saveState(new DataOutputStream(bytes));
    UserTemperatures back = new UserTemperatures(3, 0.6);
    back.loadState(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    for (int u = 0; u < 3; u++) {
      assertThat(back.factor(u)).isEqualTo(t.factor(u));
    }
    t.endEpoch();
    back.endEpoch();
    for (int u = 0; u < 3; u++) {
      assertThat(back.factor(u)).as("user %d after the epoch", u).isEqualTo(t.factor(u));
    }
    UserTemperatures other = new UserTemperatures(4, 0.6);
    assertThatThrownBy(
            () ->
                other.loadState(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("3 users");
  }

  @Test
  void badArgumentsAreRefused() {
    assertThatThrownBy(() -> new UserTemperatures(3, 0)).hasMessageContaining("spread");
    UserTemperatures t = new UserTemperatures(3, 1);
    assertThatThrownBy(() -> t.factors(new long[] {3})).hasMessageContaining("user id 3");
    assertThatThrownBy(() -> t.observe(new long[] {0}, new float[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
