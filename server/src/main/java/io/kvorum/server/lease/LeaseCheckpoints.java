package io.kvorum.server.lease;

import java.time.Duration;
import java.util.Objects;

/**
 * etcd's lease checkpoints: whether the primary writes the remaining TTLs of its leases to the log
 * every {@code interval} (so that a new primary starts their clocks from there rather than from
 * the full TTL), and whether every member also stores them in the lease records (so that a
 * restart keeps them too).
 *
 * @param enabled  {@code --experimental-enable-lease-checkpoint}
 * @param persist  {@code --experimental-enable-lease-checkpoint-persist}; needs {@code enabled}
 * @param interval how long after a lease's grant, promotion or last checkpoint it is checkpointed
 *                 (etcd's 5 minutes); only leases with more than that left are
 */
public record LeaseCheckpoints(boolean enabled, boolean persist, Duration interval) {
    /** etcd's defaultLeaseCheckpointInterval. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(5);

    public LeaseCheckpoints {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the lease checkpoint interval must be positive, got " + interval);
        }
        if (persist && !enabled) {
            // etcd's words
            throw new IllegalArgumentException(
                    "setting experimental-enable-lease-checkpoint-persist requires experimental-enable-lease-checkpoint");
        }
    }

    /** No checkpoints, as etcd by default: a new primary restarts every lease at its full TTL. */
    public static LeaseCheckpoints disabled() {
        return new LeaseCheckpoints(false, false, DEFAULT_INTERVAL);
    }
}
