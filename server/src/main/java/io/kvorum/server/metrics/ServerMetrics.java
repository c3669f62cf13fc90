package io.kvorum.server.metrics;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Counter;
import io.kvorum.spi.metrics.Family;
import io.kvorum.spi.metrics.Gauge;
import io.kvorum.spi.metrics.Histogram;
import io.kvorum.spi.metrics.MetricRegistry;
import java.util.List;

/**
 * The metrics the server records, registered under etcd's names, types, labels and buckets
 * (those of etcd 3.4's {@code etcdserver/metrics.go}, {@code mvcc/metrics.go}, {@code lease/metrics.go},
 * {@code mvcc/backend/metrics.go}), each ready to record into. Counters start at 0, as etcd's
 * pre-registered ones do, so that dashboards see zeros rather than no data.
 *
 * <p>etcd 3.4 exposes each {@code etcd_mvcc_*} operation counter twice, also as
 * {@code etcd_debugging_mvcc_*}; so does kvorum, so that dashboards of either era work.
 *
 * <p>What is read from elsewhere (consensus status, the backend's size, the index's key count)
 * is registered as callback gauges once those parts are built: see {@code MemberMetrics}.
 */
public final class ServerMetrics {
    /** etcd's {@code prometheus.ExponentialBuckets(0.001, 2, 14)}: 1 ms … 8.192 s, for disk latencies. */
    public static final Buckets DISK_SECONDS = Buckets.exponential(0.001, 2, 14);

    private final MetricRegistry registry;

    // etcd_server_*
    public final Counter leaderChanges;
    public final Gauge proposalsPending;
    public final Counter proposalsFailed;
    public final Counter slowApply;
    public final Counter slowReadIndexes;
    public final Counter readIndexesFailed;
    public final Gauge snapshotApplyInProgress;
    public final Counter healthSuccess;
    public final Counter healthFailures;
    public final Gauge quotaBackendBytes;
    public final ApplyDurations applyDurations;
    private final Family<Gauge> healthCheck;
    private final Family<Counter> healthChecks;

    // etcd_mvcc_* (and the etcd_debugging_mvcc_* twins of etcd 3.4)
    private final Counter put;
    private final Counter putDebug;
    private final Counter delete;
    private final Counter deleteDebug;
    private final Counter range;
    private final Counter rangeDebug;
    private final Counter txn;
    private final Counter txnDebug;
    private final Gauge totalPutSize;
    public final Histogram compactionTotal;
    public final Gauge compactionLast;
    public final Histogram hashDuration;
    public final Histogram hashRevDuration;

    // etcd_disk_* (backend side)
    public final Histogram backendCommit;
    public final Histogram backendDefrag;
    public final Gauge defragInflight;

    // lease
    public final Counter leaseGranted;
    public final Counter leaseRevoked;
    public final Counter leaseRenewed;
    public final Histogram leaseTtl;
    public final Counter leaseExpired;

    public ServerMetrics(MetricRegistry registry) {
        this.registry = registry;
        leaderChanges = registry.counter("etcd_server_leader_changes_seen_total", "The number of leader changes seen.");
        proposalsPending = registry.gauge("etcd_server_proposals_pending", "The current number of pending proposals to commit.");
        proposalsFailed = registry.counter("etcd_server_proposals_failed_total", "The total number of failed proposals seen.");
        slowApply = registry.counter("etcd_server_slow_apply_total", "The total number of slow apply requests (likely overloaded from slow disk).");
        slowReadIndexes = registry.counter("etcd_server_slow_read_indexes_total", "The total number of pending read indexes not in sync with leader's or timed out read index requests.");
        readIndexesFailed = registry.counter("etcd_server_read_indexes_failed_total", "The total number of failed read indexes seen.");
        snapshotApplyInProgress = registry.gauge("etcd_server_snapshot_apply_in_progress_total", "1 if the server is applying the incoming snapshot. 0 if none.");
        healthSuccess = registry.counter("etcd_server_health_success", "The total number of successful health checks");
        healthFailures = registry.counter("etcd_server_health_failures", "The total number of failed health checks");
        quotaBackendBytes = registry.gauge("etcd_server_quota_backend_bytes", "Current backend storage quota size in bytes.");
        applyDurations = new ApplyDurations(registry.histogram("etcd_server_apply_duration_seconds",
                "The latency distributions of v2 apply called by backend.", Buckets.exponential(0.0001, 2, 20),
                List.of("version", "op", "success")));
        healthCheck = registry.gauge("etcd_server_healthcheck", "The result of each kind of healthcheck.", List.of("type", "name"));
        healthChecks = registry.counter("etcd_server_healthchecks_total", "The total number of each kind of healthcheck.",
                List.of("type", "name", "status"));

        put = registry.counter("etcd_mvcc_put_total", "Total number of puts seen by this member.");
        putDebug = registry.counter("etcd_debugging_mvcc_put_total", "Total number of puts seen by this member.");
        delete = registry.counter("etcd_mvcc_delete_total", "Total number of deletes seen by this member.");
        deleteDebug = registry.counter("etcd_debugging_mvcc_delete_total", "Total number of deletes seen by this member.");
        range = registry.counter("etcd_mvcc_range_total", "Total number of ranges seen by this member.");
        rangeDebug = registry.counter("etcd_debugging_mvcc_range_total", "Total number of ranges seen by this member.");
        txn = registry.counter("etcd_mvcc_txn_total", "Total number of txns seen by this member.");
        txnDebug = registry.counter("etcd_debugging_mvcc_txn_total", "Total number of txns seen by this member.");
        totalPutSize = registry.gauge("etcd_debugging_mvcc_total_put_size_in_bytes", "The total size of put kv pairs seen by this member.");
        compactionTotal = registry.histogram("etcd_debugging_mvcc_db_compaction_total_duration_milliseconds",
                "Bucketed histogram of db compaction total duration.", Buckets.exponential(100, 2, 14));
        compactionLast = registry.gauge("etcd_debugging_mvcc_db_compaction_last",
                "The unix time of the last db compaction. Resets to 0 on start.");
        hashDuration = registry.histogram("etcd_mvcc_hash_duration_seconds", "The latency distribution of storage hash operation.",
                Buckets.exponential(.01, 2, 15));
        hashRevDuration = registry.histogram("etcd_mvcc_hash_rev_duration_seconds", "The latency distribution of storage hash by revision operation.",
                Buckets.exponential(.01, 2, 15));

        backendCommit = registry.histogram("etcd_disk_backend_commit_duration_seconds", "The latency distributions of commit called by backend.",
                DISK_SECONDS);
        backendDefrag = registry.histogram("etcd_disk_backend_defrag_duration_seconds", "The latency distribution of backend defragmentation.",
                Buckets.exponential(.1, 2, 13));
        defragInflight = registry.gauge("etcd_disk_defrag_inflight", "Whether or not defrag is active on the member. 1 means active, 0 means not.");

        leaseGranted = registry.counter("etcd_debugging_lease_granted_total", "The total number of granted leases.");
        leaseRevoked = registry.counter("etcd_debugging_lease_revoked_total", "The total number of revoked leases.");
        leaseRenewed = registry.counter("etcd_debugging_lease_renewed_total", "The number of renewed leases seen by the leader.");
        leaseTtl = registry.histogram("etcd_debugging_lease_ttl_total", "Bucketed histogram of lease TTLs.",
                Buckets.exponential(1, 2, 24));
        leaseExpired = registry.counter("etcd_debugging_server_lease_expired_total", "The total number of expired leases.");
    }

    /** Metrics recorded nowhere: for parts built without a member (tests, tools). */
    public static ServerMetrics none() {
        return new ServerMetrics(MetricRegistry.noop());
    }

    /** The registry, for the callback gauges of the parts that own the values. */
    public MetricRegistry registry() {
        return registry;
    }

    /**
     * Counts one txn's operations as etcd's mvcc layer does when the txn ends: each range, put and
     * delete, and the txn itself when it had more than one operation.
     */
    public void txnEnded(int ranges, int puts, int deletes, long putBytes) {
        if (ranges + puts + deletes > 1) {
            txn.inc();
            txnDebug.inc();
        }
        if (ranges > 0) {
            range.inc(ranges);
            rangeDebug.inc(ranges);
        }
        if (puts > 0) {
            put.inc(puts);
            putDebug.inc(puts);
            totalPutSize.add(putBytes);
        }
        if (deletes > 0) {
            delete.inc(deletes);
            deleteDebug.inc(deletes);
        }
    }

    /**
     * One check of {@code /livez} or {@code /readyz} ({@code type}) ran: etcd 3.5.11's
     * {@code etcd_server_healthcheck} (1 passed, 0 failed) and {@code etcd_server_healthchecks_total}
     * (by {@code status}, {@code success} or {@code error}). A check's series appear when it first runs.
     */
    public void healthChecked(String type, String name, boolean passed) {
        healthCheck.labels(type, name).set(passed ? 1 : 0);
        healthChecks.labels(type, name, passed ? "success" : "error").inc();
    }

    /** etcd's gauges of constant 1 that carry a value in a label ({@code etcd_server_version}, …). */
    public void info(String name, String help, String label, String value) {
        registry.gauge(name, help, List.of(label)).labels(value).set(1);
    }
}
