/**
 * Two-tower models for cbns: the plugin ({@link io.cbns.models.ModelsPlugin}) that contributes the
 * {@code mf} and {@code youtube-dnn} towers, and atomic saving and loading of their parameters
 * ({@link io.cbns.models.ModelFiles}).
 */
package io.cbns.models;
