/**
 * The {@code prometheus} exporter. Start with {@link io.kvorum.metrics.prometheus.PrometheusExporter}:
 * it picks the format by {@code Accept}; {@link io.kvorum.metrics.prometheus.EtcdTextFormat} writes
 * the member's metrics exactly as etcd's Go client does, {@link io.kvorum.metrics.prometheus.Snapshots}
 * hands them to Prometheus' own writers for the other formats.
 */
package io.kvorum.metrics.prometheus;
