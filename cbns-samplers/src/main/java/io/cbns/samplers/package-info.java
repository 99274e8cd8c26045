/**
 * The built-in negative samplers and frequency estimators of cbns, contributed to the runner by
 * {@link io.cbns.samplers.SamplersPlugin} through {@link java.util.ServiceLoader}.
 *
 * <ul>
 *   <li>{@link io.cbns.samplers.sampler}: {@code in-batch}, {@code uniform} and {@code mixed}
 *   <li>{@link io.cbns.samplers.crossbatch}: {@code cross-batch} (CBNS) and its FIFO memory bank
 *   <li>{@link io.cbns.samplers.frequency}: the {@code counts} and {@code streaming} estimators of
 *       log q
 *   <li>{@link io.cbns.samplers.drift}: the feature-drift monitor and its {@code drift.csv}
 * </ul>
 *
 * Every class here depends on {@code cbns-core} and the engine-neutral DJL API only.
 */
package io.cbns.samplers;
