/**
 * An example third-party sampler plugin: the {@code popularity} sampler draws negatives in
 * proportion to {@code q(i)^alpha}. It depends on {@code cbns-core} only and registers itself
 * through {@code META-INF/services/io.cbns.core.spi.CbnsPlugin}; copy it to start a plugin of your
 * own.
 */
package io.cbns.examples.popularity;
