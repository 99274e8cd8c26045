/**
 * The towers as DJL blocks: {@link io.cbns.models.tower.MatrixFactorizationModel} ({@code mf}) and
 * {@link io.cbns.models.tower.YoutubeDnnModel} ({@code youtube-dnn}), their factories, and the
 * capped user histories the YouTube-DNN user tower pools.
 */
package io.cbns.models.tower;
