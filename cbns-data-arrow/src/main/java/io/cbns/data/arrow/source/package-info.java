/**
 * The dataset sources of {@link io.cbns.data.arrow.ArrowDataPlugin} ({@code synthetic}, {@code
 * arrow}, {@code lightgcn}, {@code delimited}) and the content-keyed cache of generated and
 * imported datasets ({@link io.cbns.data.arrow.source.DatasetCache}).
 */
package io.cbns.data.arrow.source;
