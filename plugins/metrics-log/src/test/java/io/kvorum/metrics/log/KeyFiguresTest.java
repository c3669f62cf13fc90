package io.kvorum.metrics.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.MetricType;
import io.kvorum.spi.metrics.MetricsExporterContext;
import io.kvorum.spi.metrics.MetricsLevel;
import io.kvorum.spi.metrics.Series;
import io.kvorum.spi.plugin.PluginOptions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeyFiguresTest {

    @Test
    void theLineHasTheFiguresPresentSummedOverTheirSeries() {
        List<MetricFamily> families = List.of(
                new MetricFamily("etcd_server_has_leader", "", MetricType.GAUGE, List.of(), Optional.empty(),
                        List.of(new Series.Value(List.of(), 1))),
                new MetricFamily("etcd_network_peer_sent_bytes_total", "", MetricType.COUNTER, List.of("To"), Optional.empty(),
                        List.of(new Series.Value(List.of("a"), 100), new Series.Value(List.of("b"), 23))),
                new MetricFamily("etcd_disk_wal_fsync_duration_seconds", "", MetricType.HISTOGRAM, List.of(),
                        Optional.of(Buckets.of(0.001)), List.of(new Series.Distribution(List.of(), new long[] {3}, 4, 0.01))),
                new MetricFamily("unrelated_total", "", MetricType.COUNTER, List.of(), Optional.empty(),
                        List.of(new Series.Value(List.of(), 9))));
        assertEquals("has_leader=1 peer_sent_bytes=123 wal_fsync_count=4 wal_fsync_mean_seconds=0.002500",
                KeyFigures.line(families));
    }

    @Test
    void anIntervalBelowOneSecondIsRefusedNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LogExporterProvider().open(
                new MetricsExporterContext(List::of, "m1", MetricsLevel.BASIC,
                        PluginOptions.of(Map.of("log-interval-seconds", "0")))));
        assertEquals("option log-interval-seconds: must be at least 1, got 0", e.getMessage());
    }

    @Test
    void itServesNoScrapes() {
        try (var exporter = new LogExporterProvider().open(
                new MetricsExporterContext(List::of, "m1", MetricsLevel.BASIC, PluginOptions.empty()))) {
            assertEquals(Optional.empty(), exporter.scrapeEndpoint());
        }
    }
}
