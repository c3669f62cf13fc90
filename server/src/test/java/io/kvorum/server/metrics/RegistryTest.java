package io.kvorum.server.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Counter;
import io.kvorum.spi.metrics.Family;
import io.kvorum.spi.metrics.Histogram;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.MetricType;
import io.kvorum.spi.metrics.Series;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RegistryTest {
    private final Registry registry = new Registry();

    private MetricFamily family(String name) {
        return registry.collect().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    private static double value(MetricFamily f, int i) {
        return ((Series.Value) f.series().get(i)).value();
    }

    @Test
    void aCounterStartsAtZeroAndIsExposedAtOnce() {
        Counter puts = registry.counter("etcd_mvcc_put_total", "puts");
        assertEquals(0, value(family("etcd_mvcc_put_total"), 0));
        puts.inc();
        puts.inc(2);
        MetricFamily f = family("etcd_mvcc_put_total");
        assertEquals(MetricType.COUNTER, f.type());
        assertEquals(3, value(f, 0));
    }

    @Test
    void aCounterRefusesToGoDown() {
        Counter c = registry.counter("c_total", "c");
        assertThrows(IllegalArgumentException.class, () -> c.inc(-1));
    }

    @Test
    void aGaugeIsSetAndMovesBothWays() {
        var g = registry.gauge("etcd_server_proposals_pending", "pending");
        g.inc();
        g.inc();
        g.dec();
        assertEquals(1, value(family("etcd_server_proposals_pending"), 0));
        g.set(-4.5);
        assertEquals(-4.5, value(family("etcd_server_proposals_pending"), 0));
    }

    @Test
    void aCallbackGaugeIsReadAtEachCollection() {
        AtomicLong size = new AtomicLong(20480);
        registry.gauge("etcd_mvcc_db_total_size_in_bytes", "size", size::get);
        assertEquals(20480, value(family("etcd_mvcc_db_total_size_in_bytes"), 0));
        size.set(40960);
        assertEquals(40960, value(family("etcd_mvcc_db_total_size_in_bytes"), 0));
        assertThrows(IllegalArgumentException.class,
                () -> registry.gauge("etcd_mvcc_db_total_size_in_bytes", "size", size::get));
    }

    @Test
    void aHistogramCountsEachObservationInEveryBucketAtOrAboveIt() {
        Histogram h = registry.histogram("etcd_disk_wal_fsync_duration_seconds", "fsync", Buckets.of(0.001, 0.002, 0.004));
        h.observe(0.0005);
        h.observe(0.002); // a bound is inclusive, as Prometheus' le
        h.observe(0.003);
        h.observe(10);
        Series.Distribution d = (Series.Distribution) family("etcd_disk_wal_fsync_duration_seconds").series().get(0);
        assertArrayEquals(new long[] {1, 2, 3}, d.bucketCounts());
        assertEquals(4, d.count());
        assertEquals(10.0055, d.sum(), 1e-9);
        assertEquals(Optional.of(Buckets.of(0.001, 0.002, 0.004)), family("etcd_disk_wal_fsync_duration_seconds").buckets());
    }

    @Test
    void childrenAreKeptByLabelValuesAndExposedInOrder() {
        Family<Counter> sent = registry.counter("etcd_network_peer_sent_bytes_total", "sent", List.of("To"));
        Counter b = sent.labels("b2");
        sent.labels("a1").inc(5);
        b.inc(7);
        assertSame(b, sent.labels("b2"), "a child is resolved once and kept");
        MetricFamily f = family("etcd_network_peer_sent_bytes_total");
        assertEquals(List.of("To"), f.labelNames());
        assertEquals(List.of("a1"), f.series().get(0).labelValues());
        assertEquals(5, value(f, 0));
        assertEquals(7, value(f, 1));
        sent.remove("a1");
        assertEquals(1, family("etcd_network_peer_sent_bytes_total").series().size());
        assertThrows(IllegalArgumentException.class, () -> sent.labels("a", "b"));
    }

    @Test
    void registeringAgainTheSameWayGivesTheSameMetricAndAnyOtherWayFails() {
        Family<Counter> first = registry.counter("grpc_server_started_total", "started", List.of("grpc_method"));
        assertSame(first, registry.counter("grpc_server_started_total", "started", List.of("grpc_method")));
        assertThrows(IllegalArgumentException.class, () -> registry.gauge("grpc_server_started_total", "started"));
        assertThrows(IllegalArgumentException.class,
                () -> registry.counter("grpc_server_started_total", "started", List.of("grpc_code")));
    }

    @Test
    void namesAndLabelNamesFollowPrometheusRules() {
        assertThrows(IllegalArgumentException.class, () -> registry.counter("0bad", "x"));
        assertThrows(IllegalArgumentException.class, () -> registry.counter("ok_total", "x", List.of("__reserved")));
        assertThrows(IllegalArgumentException.class,
                () -> registry.histogram("h_seconds", "x", Buckets.of(1), List.of("le")));
    }

    @Test
    void familiesAreCollectedByName() {
        registry.counter("b_total", "b");
        registry.counter("a_total", "a");
        assertEquals(List.of("a_total", "b_total"), registry.collect().stream().map(MetricFamily::name).toList());
    }

    @Test
    void exponentialBucketsAreGosToTheLastDigit() {
        // etcd 3.4's /metrics: le="0.001" … le="8.192" for etcd_disk_wal_fsync_duration_seconds
        assertArrayEquals(new double[] {0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512,
            1.024, 2.048, 4.096, 8.192}, Buckets.exponential(0.001, 2, 14).bounds());
        assertEquals(0.0001 * 32768, Buckets.exponential(0.0001, 2, 16).bound(15));
        assertThrows(IllegalArgumentException.class, () -> Buckets.of(2, 1));
    }
}
