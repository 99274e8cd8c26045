/**
 * Importers that turn raw interaction files into dataset directories: {@code lightgcn} (a directory
 * with {@code train.txt} / {@code test.txt}, lines {@code user item item ...}) and {@code
 * delimited} (CSV, TSV or any separator; MovieLens layouts). {@link
 * io.cbns.data.arrow.importer.DatasetImporter#run} is the entry point of {@code cbns import}; the
 * shared steps (deduplication, splitting, the unseen-test policy, id compaction) live in {@link
 * io.cbns.data.arrow.importer.DatasetAssembler}.
 */
package io.cbns.data.arrow.importer;
