package io.cbns.core.train;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.cbns.core.model.TwoTowerModel;
import io.cbns.core.optim.RowGradientStore;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replicas of a data-parallel step ({@link TrainStep.Builder#optDevices}): replica 0 is the
 * model itself, on the training manager's device; replica {@code r >= 1} holds a copy of every
 * parameter on device {@code r}, in a sub-manager (on that device) of the training manager. Copies
 * are made from the model when {@link #ensureCurrent} finds them stale (at the first step, and
 * after {@link #invalidate}, which the trainer calls whenever it replaces the parameters, as a
 * resume does); after each update the step copies the rows and parameters the optimizer changed, so
 * the replicas never drift from the model. {@link #close} frees the copies (the trainer closes them
 * when training ends). Copies on the same device as the model (replicas on one CPU) are still
 * separate arrays, so that the same code runs, and is tested, where there is only one device. Not
 * thread-safe.
 */
final class Replicas implements AutoCloseable {
  private final TwoTowerModel model;
  private final NDManager master;
  private final List<Device> devices;
  // index r - 1 for replica r
  private final List<NDManager> managers = new ArrayList<>();
  private final List<Map<Parameter, NDArray>> copies = new ArrayList<>();
  private boolean current;

  /**
   * @param model the model (replica 0)
   * @param master the training manager (replica 0's device)
   * @param devices every replica's device, the first being the master's
   */
  Replicas(TwoTowerModel model, NDManager master, List<Device> devices) {
    this.model = requireNonNull(model, "model is null");
    this.master = requireNonNull(master, "master is null");
    this.devices = List.copyOf(devices);
    if (this.devices.isEmpty() || !this.devices.get(0).equals(master.getDevice())) {
      throw new IllegalArgumentException(
          "the first device must be the training manager's ("
              + master.getDevice()
              + "), got "
              + devices);
    }
  }

  /** The number of replicas K, the model included. */
  int size() {
    return devices.size();
  }

  /** The manager for one step of replica {@code r}: a sub-manager of the replica's manager. */
  NDManager newStepManager(int r, NDManager masterStep) {
    return r == 0 ? masterStep : managers.get(r - 1).newSubManager();
  }

  /**
   * The parameter store replica {@code r} reads in a step: the step's {@code primary} store for
   * replica 0, else a store of the replica's copies (a row-sparse one when the primary is).
   */
  ParameterStore store(int r, NDManager stepManager, ParameterStore primary) {
    if (r == 0) {
      return primary;
    }
    Map<Parameter, NDArray> mine = copies.get(r - 1);
    if (primary instanceof RowGradientStore rows) {
      return rows.replica(stepManager, mine::get);
    }
    return new CopyStore(stepManager, mine);
  }

  /** Copies every parameter of the model into every replica when the copies are stale. */
  void ensureCurrent() {
    if (current) {
      return;
    }
    if (managers.isEmpty()) {
      for (int r = 1; r < devices.size(); r++) {
        managers.add(master.newSubManager(devices.get(r)));
        copies.add(new IdentityHashMap<>());
      }
    }
    for (int r = 1; r < devices.size(); r++) {
      Map<Parameter, NDArray> mine = copies.get(r - 1);
      mine.values().forEach(NDArray::close);
      mine.clear();
      for (var entry : model.block().getParameters()) {
        Parameter p = entry.getValue();
        if (!p.isInitialized()) {
          continue;
        }
        NDArray copy;
        try (NDArray frozen = p.getArray().stopGradient()) {
          copy = copyOn(frozen, devices.get(r));
        }
        copy.attach(managers.get(r - 1));
        if (p.requiresGradient()) {
          copy.setRequiresGradient(true);
        }
        mine.put(p, copy);
      }
    }
    current = true;
  }

  /** Marks the copies stale: the model's parameters were replaced outside a step. */
  void invalidate() {
    current = false;
  }

  /**
   * Adds every replica's gradient of the dense parameter {@code p} to the model's, and zeroes the
   * replicas' (autograd accumulates into them).
   */
  void addGradients(Parameter p) {
    NDArray total = p.getArray().getGradient();
    for (Map<Parameter, NDArray> mine : copies) {
      NDArray copy = mine.get(p);
      if (copy == null || !copy.hasGradient()) {
        continue;
      }
      try (NDArray grad = copy.getGradient()) {
        if (grad.getDevice().equals(total.getDevice())) {
          total.addi(grad);
        } else {
          try (NDArray moved = grad.toDevice(total.getDevice(), true)) {
            total.addi(moved);
          }
        }
        grad.subi(grad);
      }
    }
  }

  /** Copies rows {@code rowIds} of the model's {@code p} (just updated) into every replica. */
  void copyRows(Parameter p, NDArray rowIds) {
    if (rowIds.size() == 0) {
      return;
    }
    try (NDManager scratch = rowIds.getManager().newSubManager()) {
      NDArray frozen = p.getArray().stopGradient();
      frozen.attach(scratch);
      NDArray rows = frozen.get(new NDIndex("{}", rowIds));
      rows.attach(scratch);
      for (int r = 1; r < devices.size(); r++) {
        NDArray ids = copyOn(rowIds, devices.get(r));
        NDArray moved = copyOn(rows, devices.get(r));
        ids.attach(scratch);
        moved.attach(scratch);
        copies.get(r - 1).get(p).set(new NDIndex("{}", ids), moved);
      }
    }
  }

  /** Copies the whole of the model's {@code p} (just updated) into every replica. */
  void copy(Parameter p) {
    try (NDArray frozen = p.getArray().stopGradient()) {
      for (int r = 1; r < devices.size(); r++) {
        try (NDArray moved = copyOn(frozen, devices.get(r))) {
          copies.get(r - 1).get(p).set(new NDIndex("..."), moved);
        }
      }
    }
  }

  /**
   * A copy of {@code a} on {@code device} that shares no memory with it: the engine's {@code
   * toDevice} returns the same tensor when the device is the same, even when asked to copy.
   */
  private static NDArray copyOn(NDArray a, Device device) {
    return a.getDevice().equals(device) ? a.duplicate() : a.toDevice(device, true);
  }

  /** Frees the copies; a later {@link #ensureCurrent} makes them again. */
  @Override
  public void close() {
    managers.forEach(NDManager::close);
    managers.clear();
    copies.clear();
    current = false;
  }

  /** A dense store that reads a replica's copies (their gradients accumulate in the copies). */
  private static final class CopyStore extends ParameterStore {
    private final Map<Parameter, NDArray> copies;

    CopyStore(NDManager manager, Map<Parameter, NDArray> copies) {
      super(manager, false);
      this.copies = copies;
    }

    @Override
    public NDArray getValue(Parameter parameter, Device device, boolean training) {
      return copies.get(parameter);
    }
  }
}
