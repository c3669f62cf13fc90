/**
 * The {@code log} exporter: {@link io.kvorum.metrics.log.KeyFigures} says what goes in the line,
 * {@link io.kvorum.metrics.log.LogExporter} writes it on a timer.
 */
package io.kvorum.metrics.log;
