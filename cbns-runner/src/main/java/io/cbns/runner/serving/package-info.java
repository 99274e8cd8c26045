/**
 * Serving a trained run from the CLI: {@link io.cbns.runner.serving.TrainedRun} reopens a run
 * directory (config, dataset, DJL towers) and exports it, {@link
 * io.cbns.runner.serving.ServingSetup} turns it into an {@code io.cbns.serving.Recommender} of the
 * {@code cbns-serving} module (which holds the ONNX sessions, the indexes, top-k and the HTTP
 * endpoint), and {@link io.cbns.runner.serving.RecommendationLines} is what {@code cbns recommend}
 * prints.
 */
package io.cbns.runner.serving;
