/** The training loop, its listeners and what they are told. */
package io.cbns.core.train;
