package io.kvorum.server;

import io.kvorum.server.alarm.BackendQuota;
import io.kvorum.server.apply.Applier;
import io.kvorum.server.cluster.MemberIds;
import io.kvorum.server.metrics.ServerMetrics;
import io.kvorum.server.watch.WatchHub;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.spi.metrics.MetricRegistry;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The member's metrics that are read, not recorded: consensus status, the backend's sizes, the
 * index's keys, the watch hub's counts, and etcd's info gauges ({@code etcd_server_version},
 * {@code etcd_server_id}, {@code etcd_cluster_version}). Registered once the parts exist.
 */
final class MemberMetrics {
    private MemberMetrics() {
    }

    static void register(ServerMetrics metrics, Consensus consensus, Applier applier, Backend backend,
                         WatchHub watchHub, long quotaBackendBytes) {
        MetricRegistry r = metrics.registry();
        r.gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
                () -> consensus.status().leaderId() != 0 ? 1 : 0);
        r.gauge("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.", () -> {
            ConsensusStatus s = consensus.status();
            return s.leaderId() != 0 && s.leaderId() == s.memberId() ? 1 : 0;
        });
        r.gauge("etcd_server_is_learner", "Whether or not this member is a learner. 1 if is, 0 otherwise.",
                () -> consensus.status().learner() ? 1 : 0);
        r.gauge("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.",
                () -> consensus.status().commitIndex());
        r.gauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.",
                applier::appliedIndex);
        metrics.info("etcd_server_version", "Which version is running. 1 for 'server_version' label with current version.",
                "server_version", EtcdVersion.SERVER);
        // etcd's label is the Go version it was built with; kvorum's is the Java runtime's, in Go's shape ("java17.0.9")
        metrics.info("etcd_server_go_version", "Which Go version server is running with. 1 for 'server_go_version' label with current version.",
                "server_go_version", runtimeVersion());
        metrics.info("etcd_server_id", "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
                "server_id", MemberIds.hex(consensus.status().memberId()));
        String cluster = EtcdVersion.CLUSTER.substring(0, EtcdVersion.CLUSTER.lastIndexOf('.'));
        metrics.info("etcd_cluster_version", "Which version is running. 1 for 'cluster_version' label with current cluster version",
                "cluster_version", cluster);
        // as etcd: the flag's value, 0 meaning the default of 2 GiB (a negative one, no quota, shows as it is)
        metrics.quotaBackendBytes.set(quotaBackendBytes == 0 ? BackendQuota.DEFAULT_BYTES : quotaBackendBytes);

        r.gauge("etcd_mvcc_db_total_size_in_bytes", "Total size of the underlying database physically allocated in bytes.",
                backend::size);
        r.gauge("etcd_debugging_mvcc_db_total_size_in_bytes", "Total size of the underlying database physically allocated in bytes.",
                backend::size);
        r.gauge("etcd_mvcc_db_total_size_in_use_in_bytes", "Total size of the underlying database logically in use in bytes.",
                backend::sizeInUse);
        r.gauge("etcd_debugging_mvcc_keys_total", "Total number of keys.", () -> applier.store().keyCount());
        r.gauge("etcd_debugging_mvcc_current_revision", "The current revision of store.",
                () -> applier.store().currentRevision());
        r.gauge("etcd_debugging_mvcc_compact_revision", "The revision of the last compaction in store.",
                () -> applier.store().compactedRevision());
        r.gauge("etcd_debugging_auth_revision", "The current revision of auth store.",
                () -> applier.auth().state().revision());

        // etcd's own file descriptor gauges (pkg/runtime): open descriptors and the soft limit
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            r.gauge("os_fd_used", "The number of used file descriptors.", os::getOpenFileDescriptorCount);
            r.gauge("os_fd_limit", "The file descriptor limit.", os::getMaxFileDescriptorCount);
        }

        WatchCounts watches = new WatchCounts(watchHub);
        r.gauge("etcd_debugging_mvcc_watch_stream_total", "Total number of watch streams.",
                () -> watches.read(WatchHub.Stats::streams));
        r.gauge("etcd_debugging_mvcc_watcher_total", "Total number of watchers.",
                () -> watches.read(WatchHub.Stats::watchers));
        r.gauge("etcd_debugging_mvcc_slow_watcher_total", "Total number of unsynced slow watchers.",
                () -> watches.read(WatchHub.Stats::unsynced));
    }

    /** The Java runtime's version as Go writes its own ({@code go1.16.15}): {@code java17.0.9}. */
    static String runtimeVersion() {
        return "java" + Runtime.version().version().stream().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining("."));
    }

    /**
     * The watch hub's counts, asked of its thread at most once a second: one scrape reads several
     * gauges from one answer. A hub that does not answer in time reads as the last answer.
     */
    private static final class WatchCounts {
        private static final long FRESH_NANOS = 1_000_000_000L;
        private final WatchHub hub;
        private WatchHub.Stats last = new WatchHub.Stats(0, 0, 0, 0, 0);
        private long asked;
        private boolean answered;

        WatchCounts(WatchHub hub) {
            this.hub = hub;
        }

        synchronized double read(ToDoubleFunction<WatchHub.Stats> field) {
            long now = System.nanoTime();
            if (!answered || now - asked > FRESH_NANOS) {
                asked = now;
                try {
                    last = hub.stats().get(1, TimeUnit.SECONDS);
                    answered = true;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // keep the last answer
                }
            }
            return field.applyAsDouble(last);
        }
    }
}
