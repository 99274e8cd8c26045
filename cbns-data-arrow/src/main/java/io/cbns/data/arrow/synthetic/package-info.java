/**
 * The embedded default dataset: a deterministic latent-factor generator with Zipf item popularity
 * ({@link io.cbns.data.arrow.synthetic.SyntheticGenerator}), configured by {@link
 * io.cbns.data.arrow.synthetic.SyntheticConfig}.
 */
package io.cbns.data.arrow.synthetic;
