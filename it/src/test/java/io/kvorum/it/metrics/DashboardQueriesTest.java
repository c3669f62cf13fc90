package io.kvorum.it.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.it.cluster.Cluster;
import io.kvorum.it.cluster.ClusterMember;
import io.kvorum.it.cluster.MemberClient;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus scrapes every member of a 3-member cluster; the queries of etcd's Grafana
 * dashboard and of etcd-mixin's alerts answer with series, and the values move as a client puts,
 * watches and the leader stops
 * (peer send failures, which neither etcd nor kvorum exposes before the first, appear then). Run with {@code -Dkvorum.it.target=etcd}, the same test passes
 * against real etcd. Skipped when Prometheus is not installed, except in CI ({@code CI} set), where it fails.
 */
class DashboardQueriesTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String JOB = "{job=~\".*etcd.*\"}";

    /** The expressions of etcd-mixin's alerts and etcd's Grafana dashboard, without their thresholds. */
    static final List<String> QUERIES = List.of(
            "up" + JOB,
            "sum(etcd_server_has_leader" + JOB + ")",
            "max without (endpoint) (sum without (instance) (up" + JOB + " == bool 0))",
            "rate(etcd_server_leader_changes_seen_total" + JOB + "[15m])",
            "changes(etcd_server_leader_changes_seen_total" + JOB + "[1d])",
            "sum(rate(etcd_server_proposals_failed_total" + JOB + "[15m]))",
            "sum(rate(etcd_server_proposals_committed_total" + JOB + "[5m]))",
            "sum(etcd_server_proposals_applied_total" + JOB + ")",
            "sum(etcd_server_proposals_pending" + JOB + ")",
            "100 * sum(rate(grpc_server_handled_total{job=~\".*etcd.*\", grpc_code=~\"Unknown|FailedPrecondition|"
                    + "ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded\"}[5m])) without (grpc_type, grpc_code)"
                    + " / sum(rate(grpc_server_handled_total" + JOB + "[5m])) without (grpc_type, grpc_code)",
            "histogram_quantile(0.99, sum(rate(grpc_server_handling_seconds_bucket{job=~\".*etcd.*\", "
                    + "grpc_method!=\"Defragment\", grpc_type=\"unary\"}[5m])) without(grpc_type))",
            "histogram_quantile(0.99, rate(etcd_network_peer_round_trip_time_seconds_bucket" + JOB + "[5m]))",
            "histogram_quantile(0.99, rate(etcd_disk_wal_fsync_duration_seconds_bucket" + JOB + "[5m]))",
            "histogram_quantile(0.99, rate(etcd_disk_backend_commit_duration_seconds_bucket" + JOB + "[5m]))",
            "(etcd_mvcc_db_total_size_in_bytes" + JOB + " / etcd_server_quota_backend_bytes" + JOB + ") * 100",
            "(etcd_mvcc_db_total_size_in_use_in_bytes" + JOB + " / etcd_mvcc_db_total_size_in_bytes" + JOB + ") * 100",
            "etcd_debugging_mvcc_db_total_size_in_bytes" + JOB,
            "sum(rate(grpc_server_started_total{job=~\".*etcd.*\", grpc_type=\"unary\"}[5m]))",
            "sum(rate(grpc_server_handled_total{job=~\".*etcd.*\", grpc_type=\"unary\", grpc_code!=\"OK\"}[5m]))",
            "sum(grpc_server_started_total{job=~\".*etcd.*\", grpc_service=\"etcdserverpb.Watch\", grpc_type=\"bidi_stream\"})"
                    + " - sum(grpc_server_handled_total{job=~\".*etcd.*\", grpc_service=\"etcdserverpb.Watch\", grpc_type=\"bidi_stream\"})",
            "sum(grpc_server_started_total{job=~\".*etcd.*\", grpc_service=\"etcdserverpb.Lease\", grpc_type=\"bidi_stream\"})"
                    + " - sum(grpc_server_handled_total{job=~\".*etcd.*\", grpc_service=\"etcdserverpb.Lease\", grpc_type=\"bidi_stream\"})",
            "sum(rate(etcd_network_client_grpc_received_bytes_total" + JOB + "[5m]))",
            "sum(rate(etcd_network_client_grpc_sent_bytes_total" + JOB + "[5m]))",
            "sum(rate(etcd_network_peer_received_bytes_total" + JOB + "[5m])) by (instance)",
            "sum(rate(etcd_network_peer_sent_bytes_total" + JOB + "[5m])) by (instance)",
            "process_resident_memory_bytes" + JOB,
            "etcd_debugging_mvcc_keys_total" + JOB);

    private static Optional<Path> prometheus() {
        Optional<Path> binary = Binaries.prometheus();
        String ci = System.getenv("CI");
        if (binary.isEmpty() && ci != null && !ci.isBlank()) {
            fail("prometheus is not installed (Debian package prometheus); CI must have it");
        }
        Assumptions.assumeTrue(binary.isPresent(), "prometheus is not installed (Debian package prometheus)");
        return binary;
    }

    private static void put(ClusterMember member, int count) {
        MemberClient client = member.probe(); // the harness's: not closed here
        for (int i = 0; i < count; i++) {
            client.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("dashboard/" + i))
                    .setValue(ByteString.copyFromUtf8("v" + i)).build());
        }
    }

    private static String instance(ClusterMember m) {
        return m.clientUrl().getHost() + ":" + m.clientUrl().getPort();
    }

    @Test
    void theDashboardAndAlertQueriesAnswerAndMoveWithTheCluster() throws Exception {
        Path binary = prometheus().orElseThrow();
        try (Cluster cluster = Cluster.start(Target.current(), "dashboard", 3, "--metrics", "extensive")) {
            List<ClusterMember> members = cluster.members();
            Path work = members.get(0).workDir().getParent().resolve("prometheus");
            try (PrometheusServer prom = PrometheusServer.start(binary, work,
                    members.stream().map(ClusterMember::clientUrl).toList())) {
                prom.await("sum(up" + JOB + ")", r -> !r.isEmpty() && r.get(0).value() == 3, PATIENCE);
                put(members.get(0), 10);
                // rate() needs two scrapes after the change
                prom.await("sum(rate(etcd_mvcc_put_total" + JOB + "[1m]))", r -> !r.isEmpty() && r.get(0).value() > 0, PATIENCE);
                for (String q : QUERIES) {
                    List<PrometheusServer.Sample> answer = prom.await(q, r -> !r.isEmpty(), PATIENCE);
                    assertFalse(answer.isEmpty(), q);
                }
                assertEquals(3, prom.value("sum(etcd_server_has_leader" + JOB + ")"));
                assertEquals(1, prom.value("sum(etcd_server_is_leader" + JOB + ")"));

                // puts: every member applies each one, and syncs its WAL
                double puts = prom.value("sum(etcd_mvcc_put_total" + JOB + ")");
                double fsyncs = prom.value("sum(etcd_disk_wal_fsync_duration_seconds_count" + JOB + ")");
                double commits = prom.value("sum(etcd_disk_backend_commit_duration_seconds_count" + JOB + ")");
                double peerBytes = prom.value("sum(etcd_network_peer_sent_bytes_total" + JOB + ")");
                put(members.get(1), 20);
                prom.await("sum(etcd_mvcc_put_total" + JOB + ")", r -> r.get(0).value() >= puts + 60, PATIENCE);
                prom.await("sum(etcd_disk_wal_fsync_duration_seconds_count" + JOB + ")", r -> r.get(0).value() > fsyncs, PATIENCE);
                prom.await("sum(etcd_disk_backend_commit_duration_seconds_count" + JOB + ")",
                        r -> r.get(0).value() > commits, PATIENCE);
                prom.await("sum(etcd_network_peer_sent_bytes_total" + JOB + ")", r -> r.get(0).value() > peerBytes, PATIENCE);
                prom.await("sum(grpc_server_handled_total{job=~\".*etcd.*\", grpc_method=\"Put\", grpc_code=\"OK\"})",
                        r -> r.get(0).value() >= 30, PATIENCE);

                // a watch: one more watcher and one more open Watch stream
                double watchers = prom.value("sum(etcd_debugging_mvcc_watcher_total" + JOB + ")");
                try (Client client = Client.builder().endpoints(members.get(2).clientUrl().toString()).build();
                     Watch.Watcher watcher = client.getWatchClient().watch(
                             ByteSequence.from("dashboard/watched", StandardCharsets.UTF_8), response -> { })) {
                    prom.await("sum(etcd_debugging_mvcc_watcher_total" + JOB + ")", r -> r.get(0).value() >= watchers + 1,
                            PATIENCE);
                    prom.await("sum(grpc_server_started_total{job=~\".*etcd.*\", grpc_service=\"etcdserverpb.Watch\"})"
                            + " - sum(grpc_server_handled_total{job=~\".*etcd.*\", grpc_service=\"etcdserverpb.Watch\"})",
                            r -> r.get(0).value() >= 1, PATIENCE);
                }

                // the leader stops: the others see a new leader, and the alert's up == 0 finds it
                ClusterMember leader = cluster.awaitLeader(PATIENCE);
                List<ClusterMember> others = members.stream().filter(m -> m != leader).toList();
                String othersSelector = "{job=~\".*etcd.*\", instance=~\"" + instance(others.get(0)) + "|"
                        + instance(others.get(1)) + "\"}";
                double changes = prom.value("sum(etcd_server_leader_changes_seen_total" + othersSelector + ")");
                leader.stop();
                cluster.awaitLeader(PATIENCE, m -> m != leader && m.isAlive());
                prom.await("sum(etcd_server_leader_changes_seen_total" + othersSelector + ")",
                        r -> r.get(0).value() > changes, PATIENCE);
                prom.await("sum(etcd_server_has_leader" + othersSelector + ")", r -> r.get(0).value() == 2, PATIENCE);
                prom.await("up{job=~\".*etcd.*\", instance=\"" + instance(leader) + "\"} == 0", r -> r.size() == 1, PATIENCE);
                // messages to the stopped member fail: the series of etcd-mixin's peer alert appears
                prom.await("sum(rate(etcd_network_peer_sent_failures_total" + JOB + "[2m])) without (instance)",
                        r -> !r.isEmpty(), PATIENCE);
                assertTrue(prom.value("sum(increase(etcd_server_leader_changes_seen_total" + JOB + "[1h]))") > 0);
            }
        }
    }
}
