/**
 * Estimators of q, the probability that a given candidate column of a batch holds an item (so that
 * {@code B * q(i)} is the expected number of times item i occurs in a batch of B). {@code counts}
 * computes it exactly from the train split; {@code streaming} learns it from the batches seen, with
 * hashed arrays (Yi et al., RecSys 2019), for catalogues that are not known up front. Both report
 * the same quantity, so they can be swapped without changing the meaning of the logQ correction.
 */
package io.cbns.samplers.frequency;
