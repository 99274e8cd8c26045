/** The sampled-softmax loss shared by every sampler. */
package io.cbns.core.loss;
