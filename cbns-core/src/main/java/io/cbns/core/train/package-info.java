/**
 * Training: one step ({@link io.cbns.core.train.TrainStep}), the loop that repeats it and evaluates
 * ({@link io.cbns.core.train.Trainer}), model selection ({@link
 * io.cbns.core.train.ModelSelection}), checkpoint settings, and the listeners with what they are
 * told.
 */
package io.cbns.core.train;
