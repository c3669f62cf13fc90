package io.kvorum.metrics.log;

import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.Series;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The figures of one log line, read from the families by etcd's names: what an operator looks at
 * first on etcd's dashboard. A figure whose metric is not registered is left out.
 */
final class KeyFigures {
    /** Label in the line, then the metric it sums over every series. */
    private static final List<String[]> SUMS = List.of(
            new String[] {"has_leader", "etcd_server_has_leader"},
            new String[] {"is_leader", "etcd_server_is_leader"},
            new String[] {"leader_changes", "etcd_server_leader_changes_seen_total"},
            new String[] {"committed", "etcd_server_proposals_committed_total"},
            new String[] {"applied", "etcd_server_proposals_applied_total"},
            new String[] {"pending", "etcd_server_proposals_pending"},
            new String[] {"failed", "etcd_server_proposals_failed_total"},
            new String[] {"db_bytes", "etcd_mvcc_db_total_size_in_bytes"},
            new String[] {"db_in_use_bytes", "etcd_mvcc_db_total_size_in_use_in_bytes"},
            new String[] {"keys", "etcd_debugging_mvcc_keys_total"},
            new String[] {"watch_streams", "etcd_debugging_mvcc_watch_stream_total"},
            new String[] {"watchers", "etcd_debugging_mvcc_watcher_total"},
            new String[] {"puts", "etcd_mvcc_put_total"},
            new String[] {"ranges", "etcd_mvcc_range_total"},
            new String[] {"deletes", "etcd_mvcc_delete_total"},
            new String[] {"txns", "etcd_mvcc_txn_total"},
            new String[] {"grpc_started", "grpc_server_started_total"},
            new String[] {"peer_sent_bytes", "etcd_network_peer_sent_bytes_total"},
            new String[] {"peer_received_bytes", "etcd_network_peer_received_bytes_total"});
    /** Label in the line, then the histogram whose count and mean go in it. */
    private static final List<String[]> HISTOGRAMS = List.of(
            new String[] {"wal_fsync", "etcd_disk_wal_fsync_duration_seconds"},
            new String[] {"backend_commit", "etcd_disk_backend_commit_duration_seconds"});

    private KeyFigures() {
    }

    /** {@code has_leader=1 is_leader=1 … wal_fsync_count=12 wal_fsync_mean_seconds=0.0013}. */
    static String line(List<MetricFamily> families) {
        Map<String, MetricFamily> byName = families.stream()
                .collect(Collectors.toMap(MetricFamily::name, Function.identity(), (a, b) -> a));
        StringBuilder line = new StringBuilder();
        for (String[] figure : SUMS) {
            MetricFamily f = byName.get(figure[1]);
            if (f != null) {
                double sum = 0;
                for (Series s : f.series()) {
                    if (s instanceof Series.Value v) {
                        sum += v.value();
                    }
                }
                append(line, figure[0], number(sum));
            }
        }
        for (String[] figure : HISTOGRAMS) {
            MetricFamily f = byName.get(figure[1]);
            if (f != null) {
                long count = 0;
                double sum = 0;
                for (Series s : f.series()) {
                    if (s instanceof Series.Distribution d) {
                        count += d.count();
                        sum += d.sum();
                    }
                }
                append(line, figure[0] + "_count", Long.toString(count));
                append(line, figure[0] + "_mean_seconds", count == 0 ? "0" : String.format(Locale.ROOT, "%.6f", sum / count));
            }
        }
        return line.toString();
    }

    private static void append(StringBuilder line, String label, String value) {
        if (!line.isEmpty()) {
            line.append(' ');
        }
        line.append(label).append('=').append(value);
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
