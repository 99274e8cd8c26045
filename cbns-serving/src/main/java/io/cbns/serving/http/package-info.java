/**
 * Recommendations over HTTP with JSON on the JDK's server ({@link
 * io.cbns.serving.http.RecommendServer}, bounded by {@link io.cbns.serving.http.ServerSettings}),
 * and a bounded load generator for it ({@link io.cbns.serving.http.LoadGenerator}).
 */
package io.cbns.serving.http;
