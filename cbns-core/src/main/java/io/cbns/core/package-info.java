/** cbns core: the engine-neutral SPI, the sampled-softmax loss, training loop and evaluation. */
package io.cbns.core;
