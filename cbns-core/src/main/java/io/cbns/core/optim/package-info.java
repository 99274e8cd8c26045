/**
 * Optimisation: cbns's optimizers ({@link io.cbns.core.optim.LazyAdam}, {@link
 * io.cbns.core.optim.Sgd}), whose update counts and moments go into checkpoints; the learning-rate
 * schedules (step, cosine, reduce-on-plateau); and row-sparse gradients for embedding tables
 * ({@link io.cbns.core.optim.RowGradientStore}, the {@link io.cbns.core.model.RowSparseLookup} that
 * towers see).
 */
package io.cbns.core.optim;
