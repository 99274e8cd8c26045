/**
 * The on-disk dataset format: one directory with Arrow IPC <em>file</em>-format tables ({@code
 * train.arrow}, {@code test.arrow}, optional {@code validation.arrow}, {@code item_counts.arrow},
 * optional id maps) and a {@code manifest.json}. Writing is atomic (a temporary sibling directory
 * renamed into place); reading checks the schema version, the row counts, the id ranges, the item
 * counts and the content fingerprint.
 */
package io.cbns.data.arrow.format;
