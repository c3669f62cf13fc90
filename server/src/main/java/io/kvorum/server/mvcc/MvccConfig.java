package io.kvorum.server.mvcc;

import java.time.Duration;
import java.util.Objects;

/**
 * How the store works off compactions.
 *
 * @param compactionBatchLimit    records deleted per backend commit
 *                                ({@code --experimental-compaction-batch-limit})
 * @param compactionBatchInterval pause between two such commits, so writes get the backend in
 *                                between ({@code --experimental-compaction-sleep-interval})
 */
public record MvccConfig(int compactionBatchLimit, Duration compactionBatchInterval) {

    /** etcd's defaults: 1000 records, 10 ms. */
    public static final MvccConfig DEFAULT = new MvccConfig(1000, Duration.ofMillis(10));

    public MvccConfig {
        Objects.requireNonNull(compactionBatchInterval, "compactionBatchInterval");
        if (compactionBatchLimit <= 0) {
            throw new IllegalArgumentException(
                    "--experimental-compaction-batch-limit must be positive, got " + compactionBatchLimit);
        }
        if (compactionBatchInterval.isNegative()) {
            throw new IllegalArgumentException(
                    "--experimental-compaction-sleep-interval must not be negative, got " + compactionBatchInterval);
        }
    }
}
