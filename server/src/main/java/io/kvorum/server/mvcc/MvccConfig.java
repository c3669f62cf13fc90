package io.kvorum.server.mvcc;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Counter;
import io.kvorum.spi.metrics.Histogram;
import io.kvorum.spi.metrics.MetricRegistry;
import java.time.Duration;
import java.util.Objects;

/**
 * How the store works off compactions.
 *
 * @param compactionBatchLimit    records deleted per backend commit
 *                                ({@code --experimental-compaction-batch-limit})
 * @param compactionBatchInterval pause between two such commits, so writes get the backend in
 *                                between ({@code --experimental-compaction-sleep-interval})
 * @param metrics                 where the compactor records its work
 */
public record MvccConfig(int compactionBatchLimit, Duration compactionBatchInterval, CompactionMetrics metrics) {

    /** etcd's defaults: 1000 records, 10 ms. */
    public static final MvccConfig DEFAULT = new MvccConfig(1000, Duration.ofMillis(10));

    /** Compacts as told and records nowhere. */
    public MvccConfig(int compactionBatchLimit, Duration compactionBatchInterval) {
        this(compactionBatchLimit, compactionBatchInterval, CompactionMetrics.NONE);
    }

    public MvccConfig {
        Objects.requireNonNull(compactionBatchInterval, "compactionBatchInterval");
        Objects.requireNonNull(metrics, "metrics");
        if (compactionBatchLimit <= 0) {
            throw new IllegalArgumentException(
                    "--experimental-compaction-batch-limit must be positive, got " + compactionBatchLimit);
        }
        if (compactionBatchInterval.isNegative()) {
            throw new IllegalArgumentException(
                    "--experimental-compaction-sleep-interval must not be negative, got " + compactionBatchInterval);
        }
    }

    /** This config recording into {@code metrics}. */
    public MvccConfig recordingInto(CompactionMetrics metrics) {
        return new MvccConfig(compactionBatchLimit, compactionBatchInterval, metrics);
    }

    /**
     * etcd's compaction metrics ({@code mvcc/metrics.go}), recorded by the compactor thread.
     *
     * @param indexPause {@code etcd_debugging_mvcc_index_compaction_pause_duration_milliseconds}:
     *                   the time one compaction spends on the index
     * @param dbPause    {@code etcd_debugging_mvcc_db_compaction_pause_duration_milliseconds}: the
     *                   time one batch of deletions holds the backend's commit
     * @param keys       {@code etcd_debugging_mvcc_db_compaction_keys_total}: records deleted from
     *                   the backend
     */
    public record CompactionMetrics(Histogram indexPause, Histogram dbPause, Counter keys) {
        /** Records nowhere. */
        public static final CompactionMetrics NONE = of(MetricRegistry.noop());

        public CompactionMetrics {
            Objects.requireNonNull(indexPause, "indexPause");
            Objects.requireNonNull(dbPause, "dbPause");
            Objects.requireNonNull(keys, "keys");
        }

        /** Registers etcd's three families, with its buckets, in {@code registry}. */
        public static CompactionMetrics of(MetricRegistry registry) {
            return new CompactionMetrics(
                    registry.histogram("etcd_debugging_mvcc_index_compaction_pause_duration_milliseconds",
                            "Bucketed histogram of index compaction pause duration.", Buckets.exponential(0.5, 2, 14)),
                    registry.histogram("etcd_debugging_mvcc_db_compaction_pause_duration_milliseconds",
                            "Bucketed histogram of db compaction pause duration.", Buckets.exponential(1, 2, 13)),
                    registry.counter("etcd_debugging_mvcc_db_compaction_keys_total", "Total number of db keys compacted."));
        }
    }
}
