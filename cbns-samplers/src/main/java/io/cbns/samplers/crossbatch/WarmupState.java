package io.cbns.samplers.crossbatch;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.cbns.core.checkpoint.StateIo;
import io.cbns.core.sampling.StepBatch;
import io.cbns.core.sampling.StepContext;
import io.cbns.samplers.drift.DriftMeasurement;
import io.cbns.samplers.drift.DriftTracker;
import io.cbns.samplers.drift.ProbeSets;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The running state of a {@link Warmup} rule: whether the bank may be used at a step, and why. The
 * {@link CrossBatchSampler} owns the bank and latches the switch (once on, the bank stays on); this
 * class owns only what the rule needs to decide: nothing for {@link Warmup.Fixed}, the probe set
 * and the drift measurements for {@link Warmup.Drift}. Not thread-safe.
 *
 * <p>Both kinds write the same checkpoint fields (the decision, the last drift, the probe, the
 * drift snapshots), the fixed rule with empty values, so a checkpoint's layout does not depend on
 * the rule and a mismatch between the checkpoint's rule and the run's is detected on load.
 */
abstract sealed class WarmupState permits WarmupState.AfterSteps, WarmupState.OnDrift {
  /**
   * The state of {@code warmup} at step 0; {@code numItems} and {@code seed} feed a uniform probe.
   */
  static WarmupState start(Warmup warmup, int numItems, long seed) {
    return warmup instanceof Warmup.Fixed f
        ? new AfterSteps(f)
        : new OnDrift((Warmup.Drift) warmup, numItems, seed);
  }

  /** Whether the rule lets the bank be used at {@code step}. */
  abstract boolean reached(long step);

  /** After the optimizer step of a step at which the bank was still off. */
  void afterStep(StepContext ctx, StepBatch batch) {}

  /** Why the bank switches on, for the log and {@link CrossBatchSampler#activationReason()}. */
  abstract String reason();

  /** What the rule is waiting for, while the bank is off. */
  abstract String waiting();

  /**
   * The rule's keys as they resolved ({@code warmup-steps} and, for the drift rule, its limits).
   */
  abstract void effectiveOptions(Map<String, String> into);

  /** The last relative drift measured, for the drift rule once it has measured one. */
  OptionalDouble lastRelativeDrift() {
    return OptionalDouble.empty();
  }

  /** Writes the decision, the last drift, the probe and the drift snapshots. */
  abstract void saveState(DataOutputStream out) throws IOException;

  /** Reads what {@link #saveState} wrote; fails when the checkpoint's rule is not this one. */
  abstract void loadState(DataInputStream in) throws IOException;

  /** A fixed number of in-batch steps. */
  static final class AfterSteps extends WarmupState {
    private final Warmup.Fixed rule;

    AfterSteps(Warmup.Fixed rule) {
      this.rule = rule;
    }

    @Override
    boolean reached(long step) {
      return step >= rule.steps();
    }

    @Override
    String reason() {
      return rule.steps() == 0 ? "no warm-up" : "fixed warm-up of " + rule.steps() + " steps";
    }

    @Override
    String waiting() {
      return "warm-up until step " + rule.steps();
    }

    @Override
    void effectiveOptions(Map<String, String> into) {
      into.put("warmup-steps", String.valueOf(rule.steps()));
    }

    @Override
    void saveState(DataOutputStream out) throws IOException {
      // the drift rule's fields, empty (see the class comment)
      out.writeLong(-1);
      out.writeUTF("");
      out.writeLong(-1);
      out.writeDouble(Double.NaN);
      out.writeBoolean(false);
      StateIo.writeLongs(out, new long[0]);
      out.writeBoolean(false);
    }

    @Override
    void loadState(DataInputStream in) throws IOException {
      in.readLong();
      in.readUTF();
      in.readLong();
      in.readDouble();
      in.readBoolean();
      StateIo.readLongs(in, -1, "cross-batch drift probe");
      if (in.readBoolean()) {
        throw mismatch(rule);
      }
    }
  }

  /**
   * The drift rule (see {@link Warmup.Drift}): every {@code interval} steps it encodes a fixed
   * probe set and compares it with the previous measurement; the first measurement below the
   * threshold decides that the bank switches on from the next step.
   */
  static final class OnDrift extends WarmupState {
    private final Warmup.Drift rule;
    private final int numItems;
    private final long seed;
    private final DriftTracker tracker = new DriftTracker(List.of(1));

    /** The positives seen so far, while a positives probe is being collected; then null. */
    private LinkedHashSet<Long> probeCollector = new LinkedHashSet<>();

    private long[] probe;
    private double lastRelativeDrift = Double.NaN;
    private long lastDriftStep = -1;
    private long decidedFrom = -1;
    private String decidedReason;

    OnDrift(Warmup.Drift rule, int numItems, long seed) {
      this.rule = rule;
      this.numItems = numItems;
      this.seed = seed;
    }

    @Override
    boolean reached(long step) {
      return (decidedFrom >= 0 && step >= decidedFrom) || step >= rule.maxSteps();
    }

    @Override
    void afterStep(StepContext ctx, StepBatch batch) {
      if (decidedFrom >= 0) {
        return;
      }
      if (probe == null && rule.probe() == DriftProbe.POSITIVES) {
        for (long id : batch.hostItemIds()) {
          if (probeCollector.size() >= rule.probeSize()) {
            break;
          }
          probeCollector.add(id);
        }
      }
      long done = ctx.step() + 1;
      if (done % rule.interval() != 0) {
        return;
      }
      if (probe == null) {
        probe =
            rule.probe() == DriftProbe.UNIFORM
                ? ProbeSets.uniform(numItems, rule.probeSize(), seed)
                : probeCollector.stream().mapToLong(Long::longValue).toArray();
        probeCollector = null;
      }
      NDManager m = ctx.manager();
      float[] embeddings =
          ctx.itemEncoder()
              .encode(m.create(probe))
              .stopGradient()
              .toType(DataType.FLOAT32, false)
              .toFloatArray();
      List<DriftMeasurement> drift = tracker.record(embeddings, probe.length);
      if (drift.isEmpty()) {
        return;
      }
      lastRelativeDrift = drift.get(0).meanRelativeDrift();
      lastDriftStep = done;
      if (lastRelativeDrift < rule.threshold()) {
        decidedFrom = done;
        decidedReason =
            String.format(
                Locale.ROOT,
                "drift warm-up: relative drift %.4g of %d probe items over the %d steps to step %d"
                    + " fell below drift-threshold %.4g",
                lastRelativeDrift,
                probe.length,
                rule.interval(),
                done,
                rule.threshold());
      }
    }

    @Override
    String reason() {
      if (decidedReason != null) {
        return decidedReason;
      }
      return "drift warm-up reached max-warmup-steps "
          + rule.maxSteps()
          + " ("
          + (lastDriftStep < 0
              ? "no drift measured yet"
              : String.format(
                  Locale.ROOT,
                  "last relative drift %.4g at step %d, threshold %.4g",
                  lastRelativeDrift,
                  lastDriftStep,
                  rule.threshold()))
          + ")";
    }

    @Override
    String waiting() {
      String drift =
          lastDriftStep < 0
              ? "no drift measured yet"
              : String.format(
                  Locale.ROOT, "relative drift %.4g at step %d", lastRelativeDrift, lastDriftStep);
      return String.format(
          Locale.ROOT,
          "drift warm-up, %s (threshold %.4g, on at step %d at the latest)",
          drift,
          rule.threshold(),
          rule.maxSteps());
    }

    @Override
    void effectiveOptions(Map<String, String> into) {
      into.put("warmup-steps", "drift");
      into.put("drift-threshold", String.valueOf(rule.threshold()));
      into.put("max-warmup-steps", String.valueOf(rule.maxSteps()));
    }

    @Override
    OptionalDouble lastRelativeDrift() {
      return Double.isNaN(lastRelativeDrift)
          ? OptionalDouble.empty()
          : OptionalDouble.of(lastRelativeDrift);
    }

    @Override
    void saveState(DataOutputStream out) throws IOException {
      out.writeLong(decidedFrom);
      out.writeUTF(decidedReason == null ? "" : decidedReason);
      out.writeLong(lastDriftStep);
      out.writeDouble(lastRelativeDrift);
      out.writeBoolean(probe != null);
      StateIo.writeLongs(
          out,
          probe != null ? probe : probeCollector.stream().mapToLong(Long::longValue).toArray());
      out.writeBoolean(true);
      tracker.saveState(out);
    }

    @Override
    void loadState(DataInputStream in) throws IOException {
      decidedFrom = in.readLong();
      String reason = in.readUTF();
      decidedReason = reason.isEmpty() ? null : reason;
      lastDriftStep = in.readLong();
      lastRelativeDrift = in.readDouble();
      boolean fixedProbe = in.readBoolean();
      long[] ids = StateIo.readLongs(in, -1, "cross-batch drift probe");
      if (fixedProbe) {
        probe = ids;
        probeCollector = null;
      } else {
        probe = null;
        probeCollector = new LinkedHashSet<>();
        for (long id : ids) {
          probeCollector.add(id);
        }
      }
      if (!in.readBoolean()) {
        throw mismatch(rule);
      }
      tracker.loadState(in);
    }
  }

  private static IOException mismatch(Warmup rule) {
    return new IOException("the checkpoint's warm-up does not match this run's (" + rule + ")");
  }
}
