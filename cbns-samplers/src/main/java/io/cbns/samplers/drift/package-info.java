/**
 * Feature drift of the item tower (docs/method.md, eq. 3): how far the encodings of a fixed probe
 * set of items move between training steps. {@link io.cbns.samplers.drift.FeatureDriftMonitor}
 * records it to {@code drift.csv} for a run; {@link io.cbns.samplers.drift.DriftTracker} is the
 * shared measurement, also used by the {@code cross-batch} sampler to end its warm-up
 * automatically.
 */
package io.cbns.samplers.drift;
