/**
 * Validated access to configuration trees. {@link io.cbns.core.config.Options} is how a plugin
 * reads its own sub-tree of the YAML config without depending on a YAML library.
 */
package io.cbns.core.config;
