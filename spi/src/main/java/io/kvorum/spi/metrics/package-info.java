/**
 * Metrics: the registry the server, consensus and backends record through (under etcd's metric
 * names), and the exporter plugins that expose what it holds. Start with {@link io.kvorum.spi.metrics.MetricRegistry}
 * (recording) and {@link io.kvorum.spi.metrics.MetricsExporterProvider} (exposing).
 *
 * <p>No metrics library is named here: recording is JDK only, and an exporter reads plain
 * snapshots ({@link io.kvorum.spi.metrics.MetricFamily}) and renders them its own way.
 */
package io.kvorum.spi.metrics;
