/**
 * The plugin SPI. A plugin is a {@link io.cbns.core.spi.CbnsPlugin} listed in {@code
 * META-INF/services/io.cbns.core.spi.CbnsPlugin}; it contributes named factories of samplers,
 * towers, dataset sources and frequency estimators. A third-party plugin depends on {@code
 * cbns-core} alone.
 */
package io.cbns.core.spi;
