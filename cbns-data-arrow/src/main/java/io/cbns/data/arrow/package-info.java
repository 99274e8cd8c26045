/**
 * Arrow-backed datasets for cbns: {@link io.cbns.data.arrow.ArrowInteractionDataset} opens a
 * dataset directory (Arrow IPC files plus {@code manifest.json}) and {@link
 * io.cbns.data.arrow.ArrowDataPlugin} contributes the {@code synthetic}, {@code arrow}, {@code
 * lightgcn} and {@code delimited} dataset sources.
 */
package io.cbns.data.arrow;
