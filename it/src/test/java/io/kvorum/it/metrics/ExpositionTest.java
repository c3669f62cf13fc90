package io.kvorum.it.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.it.cluster.Cluster;
import io.kvorum.it.cluster.ClusterMember;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.Target;
import com.google.protobuf.ByteString;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * kvorum's {@code /metrics} against etcd's: every family both expose has etcd's type, label names
 * and bucket bounds (compared with a recorded etcd 3.4.23 exposition always, and with a running
 * etcd when one is installed; the families etcd 3.5 added with their definitions in its source), and
 * the families etcd's dashboards and alerts query are all there.
 */
class ExpositionTest {
    /** The families the Grafana dashboard and etcd-mixin alerts read, and the others kvorum records. */
    static final List<String> REQUIRED = List.of(
            "etcd_server_has_leader", "etcd_server_is_leader", "etcd_server_is_learner",
            "etcd_server_leader_changes_seen_total", "etcd_server_proposals_committed_total",
            "etcd_server_proposals_applied_total", "etcd_server_proposals_pending", "etcd_server_proposals_failed_total",
            "etcd_server_id", "etcd_server_version", "etcd_cluster_version", "etcd_server_quota_backend_bytes",
            "etcd_server_health_success", "etcd_server_health_failures", "etcd_server_slow_apply_total",
            "etcd_server_heartbeat_send_failures_total", "etcd_server_client_requests_total",
            "etcd_disk_wal_fsync_duration_seconds", "etcd_disk_wal_write_bytes_total",
            "etcd_disk_backend_commit_duration_seconds",
            "etcd_mvcc_db_total_size_in_bytes", "etcd_mvcc_db_total_size_in_use_in_bytes",
            "etcd_debugging_mvcc_db_total_size_in_bytes", "etcd_debugging_mvcc_keys_total",
            "etcd_mvcc_put_total", "etcd_mvcc_delete_total", "etcd_mvcc_range_total", "etcd_mvcc_txn_total",
            "etcd_debugging_mvcc_watcher_total", "etcd_debugging_mvcc_watch_stream_total",
            "etcd_debugging_lease_granted_total", "etcd_debugging_lease_revoked_total",
            "etcd_debugging_lease_renewed_total", "etcd_debugging_lease_ttl_total",
            "etcd_debugging_server_lease_expired_total",
            "etcd_network_peer_round_trip_time_seconds", "etcd_network_peer_sent_bytes_total",
            "etcd_network_peer_received_bytes_total", "etcd_network_client_grpc_sent_bytes_total",
            "etcd_network_client_grpc_received_bytes_total", "etcd_network_active_peers",
            "etcd_server_learner_promote_successes", "etcd_debugging_mvcc_events_total",
            "etcd_debugging_mvcc_pending_events_total", "etcd_debugging_mvcc_db_compaction_keys_total",
            "etcd_debugging_mvcc_index_compaction_pause_duration_milliseconds",
            "etcd_debugging_mvcc_db_compaction_pause_duration_milliseconds",
            "etcd_disk_backend_snapshot_duration_seconds",
            "etcd_debugging_mvcc_db_compaction_last", "etcd_debugging_snap_save_marshalling_duration_seconds",
            "etcd_debugging_snap_save_total_duration_seconds", "etcd_disk_wal_write_duration_seconds",
            "etcd_server_apply_duration_seconds", "etcd_server_go_version", "etcd_server_healthcheck",
            "etcd_server_healthchecks_total", "etcd_snap_db_fsync_duration_seconds",
            "etcd_snap_db_save_total_duration_seconds", "etcd_snap_fsync_duration_seconds",
            "grpc_server_started_total", "grpc_server_handled_total", "grpc_server_msg_received_total",
            "grpc_server_msg_sent_total", "grpc_server_handling_seconds",
            "process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds",
            "process_start_time_seconds");

    /** The scrape of a 3-member kvorum cluster with {@code --metrics extensive}; see {@link #kvorumExtensive()}. */
    private static Exposition kvorumExtensive;

    /**
     * What a 3-member kvorum cluster with {@code --metrics extensive} exposes after a put: one
     * cluster, started by the first test that needs it, for every comparison with etcd's families.
     */
    private static synchronized Exposition kvorumExtensive() {
        if (kvorumExtensive == null) {
            try (Cluster cluster = Cluster.start(Target.KVORUM, "exposition", 3, "--metrics", "extensive")) {
                kvorumExtensive = scrapeAfterAPut(cluster);
            }
        }
        return kvorumExtensive;
    }

    /**
     * The scrape after a put and a run of the health checks of {@code /livez} and {@code /readyz}
     * (which etcd 3.4 does not serve: its 404 is ignored).
     */
    private static Exposition scrapeAfterAPut(Cluster cluster) {
        ClusterMember member = cluster.members().get(0);
        // the harness's client: not closed here
        member.probe().kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                .setValue(ByteString.copyFromUtf8("v")).build());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (String probe : List.of("/livez", "/readyz")) {
            try {
                http.send(HttpRequest.newBuilder(member.clientUrl().resolve(probe)).timeout(Duration.ofSeconds(20)).build(),
                        HttpResponse.BodyHandlers.discarding());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return Exposition.scrape(member.clientUrl().resolve("/metrics"));
    }

    private static List<String> differences(Map<String, Exposition.Family> etcd, Exposition kvorum) {
        List<String> differences = new ArrayList<>();
        for (Exposition.Family ours : kvorum.families().values()) {
            Exposition.Family theirs = etcd.get(ours.name());
            if (theirs != null && !theirs.equals(ours)) {
                differences.add("etcd: " + theirs.line() + "\n  kvorum: " + ours.line());
            }
        }
        return differences;
    }

    @Test
    void everyFamilyKvorumSharesWithEtcdHasEtcdsTypeLabelsAndBuckets() {
        Exposition kvorum = kvorumExtensive();
        Map<String, Exposition.Family> etcd = Exposition.etcdFixture();
        assertEquals(List.of(), differences(etcd, kvorum));
        assertEquals(List.of(), differences(Exposition.etcd35Fixture(), kvorum), "the families etcd 3.5 added");
        List<String> missing = REQUIRED.stream().filter(n -> !kvorum.families().containsKey(n)).toList();
        assertEquals(List.of(), missing, "families etcd's dashboards and alerts need");
        // pre-initialized as etcd's: every method of every service, every code, at 0 until called
        assertTrue(kvorum.samples().containsKey("grpc_server_handled_total{grpc_code=\"DataLoss\",grpc_method=\"Compact\","
                + "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}"), "handled_total pre-initialized");
        assertEquals(1, kvorum.samples().get("etcd_server_has_leader"));
        assertTrue(kvorum.sum("etcd_mvcc_put_total") >= 1, "the put was counted");
        assertTrue(kvorum.samples().getOrDefault("etcd_server_apply_duration_seconds_count{op=\"Put\",success=\"true\","
                + "version=\"v3\"}", 0.0) >= 1, "the put's apply was timed");
        assertEquals(1, kvorum.samples().get("etcd_server_healthcheck{name=\"serializable_read\",type=\"livez\"}"));
        assertTrue(kvorum.samples().getOrDefault("etcd_server_healthchecks_total{name=\"linearizable_read\","
                + "status=\"success\",type=\"readyz\"}", 0.0) >= 1, "the readyz check was counted");
        assertTrue(kvorum.sum("etcd_disk_wal_write_duration_seconds_count") >= 1, "the WAL writes were timed");
        assertTrue(kvorum.samples().keySet().stream().anyMatch(k -> k.matches(
                "etcd_server_go_version\\{server_go_version=\"java[0-9]+(\\.[0-9]+)*\"\\}")), "the Java runtime's version, in Go's shape");
    }

    @Test
    void theSameHoldsAgainstARunningEtcd() {
        try (Cluster etcdCluster = Cluster.start(Target.ETCD, "exposition-etcd", 3, "--metrics", "extensive")) {
            Exposition etcd = scrapeAfterAPut(etcdCluster);
            assertEquals(List.of(), differences(etcd.families(), kvorumExtensive()));
        }
    }

    @Test
    void basicMetricsLeaveTheHandlingHistogramOut() {
        try (Cluster cluster = Cluster.start(Target.current(), "exposition-basic", 1)) {
            Exposition e = scrapeAfterAPut(cluster);
            assertTrue(e.families().containsKey("grpc_server_started_total"));
            assertTrue(!e.families().containsKey("grpc_server_handling_seconds"), "only with --metrics extensive");
        }
    }

    @Test
    void metricsUrlsServeMetricsAndHealth() throws Exception {
        int port = FreePorts.pick();
        try (Cluster cluster = Cluster.start(Target.current(), "metrics-urls", 1,
                "--listen-metrics-urls", "http://127.0.0.1:" + port)) {
            URI base = URI.create("http://127.0.0.1:" + port);
            Exposition e = Exposition.scrape(base.resolve("/metrics"));
            assertEquals(1, e.samples().get("etcd_server_has_leader"));
            HttpResponse<String> health = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(base.resolve("/health"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertEquals("{\"health\":\"true\",\"reason\":\"\"}", health.body().trim());
            assertTrue(e.sum("etcd_server_health_success") >= 0);
            Exposition after = Exposition.scrape(base.resolve("/metrics"));
            assertTrue(after.sum("etcd_server_health_success") > e.sum("etcd_server_health_success"),
                    "the health check was counted");
            HttpResponse<String> other = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(base.resolve("/version"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, other.statusCode(), "a metrics URL serves /metrics and /health only");
        }
    }

    @Test
    void kvorumAnswersOpenMetricsAndProtobufWhenAskedFor() throws Exception {
        try (Cluster cluster = Cluster.start(Target.KVORUM, "exposition-formats", 1)) {
            URI metrics = cluster.members().get(0).clientUrl().resolve("/metrics");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> om = http.send(HttpRequest.newBuilder(metrics)
                    .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(om.headers().firstValue("content-type").orElse("").startsWith("application/openmetrics-text"));
            assertTrue(om.body().endsWith("# EOF\n"));
            HttpResponse<byte[]> pb = http.send(HttpRequest.newBuilder(metrics)
                    .header("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertTrue(pb.headers().firstValue("content-type").orElse("").startsWith("application/vnd.google.protobuf"));
            HttpResponse<String> text = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", text.headers().firstValue("content-type").orElse(""));
        }
    }
}
