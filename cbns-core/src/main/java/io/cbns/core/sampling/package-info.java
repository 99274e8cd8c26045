/**
 * The negative-sampler SPI: per step, a sampler turns the batch's item embeddings into the
 * candidate columns of the sampled softmax.
 */
package io.cbns.core.sampling;
