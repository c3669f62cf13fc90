package io.kvorum.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.MetricType;
import io.kvorum.spi.metrics.Series;
import java.io.IOException;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EtcdTextFormatTest {

    private static String text(MetricFamily... families) throws IOException {
        StringWriter out = new StringWriter();
        EtcdTextFormat.write(out, List.of(families));
        return out.toString();
    }

    @Test
    void numbersReadAsGosShortestFormat() {
        // as in etcd 3.4's /metrics
        assertEquals("0.001", EtcdTextFormat.goFloat(0.001));
        assertEquals("8.192", EtcdTextFormat.goFloat(Buckets.exponential(0.001, 2, 14).bound(13)));
        assertEquals("20480", EtcdTextFormat.goFloat(20480));
        assertEquals("131072", EtcdTextFormat.goFloat(131072));
        assertEquals("1.048576e+06", EtcdTextFormat.goFloat(1048576));
        assertEquals("2.147483648e+09", EtcdTextFormat.goFloat(2147483648.0));
        assertEquals("8.6989e-05", EtcdTextFormat.goFloat(8.6989e-05));
        assertEquals("0.0001", EtcdTextFormat.goFloat(0.0001));
        assertEquals("-1", EtcdTextFormat.goFloat(-1));
        assertEquals("0", EtcdTextFormat.goFloat(0));
        assertEquals("+Inf", EtcdTextFormat.goFloat(Double.POSITIVE_INFINITY));
        assertEquals("NaN", EtcdTextFormat.goFloat(Double.NaN));
    }

    @Test
    void aCounterKeepsEtcdsNameWithOrWithoutTotal() throws IOException {
        assertEquals("""
                # HELP etcd_server_health_success The total number of successful health checks
                # TYPE etcd_server_health_success counter
                etcd_server_health_success 3
                """, text(new MetricFamily("etcd_server_health_success", "The total number of successful health checks",
                MetricType.COUNTER, List.of(), Optional.empty(), List.of(new Series.Value(List.of(), 3)))));
    }

    @Test
    void labelsAreWrittenByNameAndSeriesByLabels() throws IOException {
        MetricFamily started = new MetricFamily("grpc_server_started_total", "Total number of RPCs started on the server.",
                MetricType.COUNTER, List.of("grpc_type", "grpc_service", "grpc_method"), Optional.empty(), List.of(
                new Series.Value(List.of("unary", "etcdserverpb.KV", "Range"), 0),
                new Series.Value(List.of("bidi_stream", "etcdserverpb.Watch", "Watch"), 2),
                new Series.Value(List.of("unary", "etcdserverpb.KV", "Put"), 1)));
        assertEquals("""
                # HELP grpc_server_started_total Total number of RPCs started on the server.
                # TYPE grpc_server_started_total counter
                grpc_server_started_total{grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"} 1
                grpc_server_started_total{grpc_method="Range",grpc_service="etcdserverpb.KV",grpc_type="unary"} 0
                grpc_server_started_total{grpc_method="Watch",grpc_service="etcdserverpb.Watch",grpc_type="bidi_stream"} 2
                """, text(started));
    }

    @Test
    void aHistogramHasCumulativeBucketsThenSumAndCount() throws IOException {
        MetricFamily rtt = new MetricFamily("etcd_network_peer_round_trip_time_seconds", "Round-Trip-Time histogram between peers",
                MetricType.HISTOGRAM, List.of("To"), Optional.of(Buckets.of(0.0001, 0.0002)),
                List.of(new Series.Distribution(List.of("8e9e05c52164694d"), new long[] {1, 3}, 4, 0.5)));
        assertEquals("""
                # HELP etcd_network_peer_round_trip_time_seconds Round-Trip-Time histogram between peers
                # TYPE etcd_network_peer_round_trip_time_seconds histogram
                etcd_network_peer_round_trip_time_seconds_bucket{To="8e9e05c52164694d",le="0.0001"} 1
                etcd_network_peer_round_trip_time_seconds_bucket{To="8e9e05c52164694d",le="0.0002"} 3
                etcd_network_peer_round_trip_time_seconds_bucket{To="8e9e05c52164694d",le="+Inf"} 4
                etcd_network_peer_round_trip_time_seconds_sum{To="8e9e05c52164694d"} 0.5
                etcd_network_peer_round_trip_time_seconds_count{To="8e9e05c52164694d"} 4
                """, text(rtt));
    }

    @Test
    void labelValuesAndHelpAreEscapedAndEmptyFamiliesLeftOut() throws IOException {
        MetricFamily versions = new MetricFamily("etcd_server_client_requests_total", "per\\client\nversion",
                MetricType.COUNTER, List.of("client_api_version"), Optional.empty(),
                List.of(new Series.Value(List.of("a\"b\\c\nd"), 1)));
        MetricFamily none = new MetricFamily("etcd_network_peer_sent_bytes_total", "sent", MetricType.COUNTER,
                List.of("To"), Optional.empty(), List.of());
        assertEquals("""
                # HELP etcd_server_client_requests_total per\\\\client\\nversion
                # TYPE etcd_server_client_requests_total counter
                etcd_server_client_requests_total{client_api_version="a\\"b\\\\c\\nd"} 1
                """, text(versions, none));
    }
}
