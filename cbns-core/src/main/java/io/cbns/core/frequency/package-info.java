/** Estimates of item sampling probabilities q, the source of the logQ correction. */
package io.cbns.core.frequency;
