/** The tower SPI: a two-tower model encodes users and items into the same d-dimensional space. */
package io.cbns.core.model;
