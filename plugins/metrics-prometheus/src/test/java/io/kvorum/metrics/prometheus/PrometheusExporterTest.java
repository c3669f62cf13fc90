package io.kvorum.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Exposition;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.MetricType;
import io.kvorum.spi.metrics.MetricsExporter;
import io.kvorum.spi.metrics.MetricsExporterContext;
import io.kvorum.spi.metrics.MetricsLevel;
import io.kvorum.spi.metrics.MetricSource;
import io.kvorum.spi.metrics.Series;
import io.kvorum.spi.plugin.PluginOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PrometheusExporterTest {
    private final AtomicLong puts = new AtomicLong();
    private final MetricSource source = () -> List.of(
            new MetricFamily("etcd_disk_wal_fsync_duration_seconds", "The latency distributions of fsync called by WAL.",
                    MetricType.HISTOGRAM, List.of(), Optional.of(Buckets.exponential(0.001, 2, 14)),
                    List.of(new Series.Distribution(List.of(), new long[14], 0, 0))),
            new MetricFamily("etcd_mvcc_put_total", "Total number of puts seen by this member.", MetricType.COUNTER,
                    List.of(), Optional.empty(), List.of(new Series.Value(List.of(), puts.get()))),
            new MetricFamily("etcd_server_health_success", "The total number of successful health checks",
                    MetricType.COUNTER, List.of(), Optional.empty(), List.of(new Series.Value(List.of(), 2))));

    private Exposition scrape(String accept, Map<String, String> options) {
        MetricsExporter exporter = new PrometheusExporterProvider().open(
                new MetricsExporterContext(source, "m1", MetricsLevel.BASIC, PluginOptions.of(options)));
        try (exporter) {
            return exporter.scrapeEndpoint().orElseThrow().scrape(accept);
        }
    }

    private static String body(Exposition e) {
        return new String(e.body(), StandardCharsets.UTF_8);
    }

    @Test
    void withoutAcceptItWritesEtcdsTextFormatAndTheProcessMetrics() {
        puts.set(7);
        Exposition e = scrape("", Map.of());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", e.contentType());
        String text = body(e);
        assertTrue(text.contains("\netcd_mvcc_put_total 7\n"), text);
        assertTrue(text.contains("\netcd_server_health_success 2\n"), text);
        assertTrue(text.contains("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"} 0\n"), text);
        for (String name : List.of("process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds",
                "process_start_time_seconds")) {
            assertTrue(text.contains("\n# TYPE " + name + " "), name);
        }
        assertTrue(text.contains("# TYPE jvm_memory_used_bytes gauge"), "JVM metrics by default");
    }

    @Test
    void theJvmMetricsCanBeLeftOutButNotTheProcessOnes() {
        String text = body(scrape("text/plain", Map.of("jvm", "false")));
        assertTrue(text.contains("# TYPE process_resident_memory_bytes gauge"), text);
        assertTrue(!text.contains("jvm_memory_used_bytes"), text);
    }

    @Test
    void openMetricsWhenAskedForAsPrometheusAsks() {
        Exposition e = scrape("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", Map.of());
        assertTrue(e.contentType().startsWith("application/openmetrics-text"), e.contentType());
        String text = body(e);
        assertTrue(text.endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
        assertTrue(text.contains("# TYPE etcd_mvcc_put counter"), text);
        assertTrue(text.contains("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"} 0"), text);
    }

    @Test
    void protobufWhenAskedFor() {
        Exposition e = scrape("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
                Map.of());
        assertTrue(e.contentType().startsWith("application/vnd.google.protobuf"), e.contentType());
        assertTrue(body(e).contains("etcd_disk_wal_fsync_duration_seconds"), "the family's name is in the message");
    }
}
