/**
 * The member's metric registry ({@link io.kvorum.server.metrics.Registry}, JDK only) and the
 * metrics the server records, under etcd's names: first read {@link io.kvorum.server.metrics.ServerMetrics}.
 * Exporter plugins read the registry through {@link io.kvorum.spi.metrics.MetricSource}.
 */
package io.kvorum.server.metrics;
