package io.kvorum.server.apply;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * etcd's {@code --backend-batch-limit} and {@code --backend-batch-interval} here: when an applied batch's backend
 * commit must also be made durable (synced) although the consensus keeps a log that could replay it.
 *
 * <p>etcd applies into one bbolt transaction and commits (and so syncs) it after that many writes or that
 * interval; until then its reads go through a buffer of the uncommitted writes. kvorum's store commits every
 * applied batch at once (reads see it), together with the consistent index, and leaves syncing to the backend
 * because the consensus' WAL is already synced: a crash loses at most commits the WAL replays from the
 * consistent index on restart. These flags bound that as etcd's bound its uncommitted transaction: after
 * {@code limit} applied entries or once {@code interval} has passed since the last synced commit (checked when
 * the next batch is applied), the commit is synced. 0 (or an empty interval) leaves that bound off, kvorum's
 * default. Syncing more often never weakens durability. Owned by the apply thread.
 */
final class BackendBatch {
    /** No bound: the backend syncs when it will (the consensus' WAL covers the rest). */
    static final BackendBatch UNBOUNDED = new BackendBatch(0, Duration.ZERO, System::nanoTime);

    private final long limit;
    private final long intervalNanos;
    private final LongSupplier clock;
    private long unsynced;
    private long lastSynced;

    BackendBatch(long limit, Duration interval, LongSupplier clock) {
        this.limit = Math.max(0, limit);
        this.intervalNanos = interval.isNegative() ? 0 : interval.toNanos();
        this.clock = clock;
        this.lastSynced = clock.getAsLong();
    }

    /** Whether the commit of the next {@code entries} applied entries must be synced; {@code asked}: it must anyway. */
    boolean mustSync(int entries, boolean asked) {
        if (asked) {
            return true;
        }
        return (limit > 0 && unsynced + entries >= limit)
                || (intervalNanos > 0 && unsynced + entries > 0 && clock.getAsLong() - lastSynced >= intervalNanos);
    }

    /** Records a successful commit of {@code entries} entries, synced or not. */
    void committed(int entries, boolean synced) {
        if (synced) {
            unsynced = 0;
            lastSynced = clock.getAsLong();
        } else {
            unsynced += entries;
        }
    }
}
