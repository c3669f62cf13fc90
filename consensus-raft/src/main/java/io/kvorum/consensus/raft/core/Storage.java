package io.kvorum.consensus.raft.core;

import java.util.List;

/**
 * The stable part of the log, as the application persisted it from earlier {@link Ready}s. Raft
 * only reads it; the application writes it (the WAL behind it, or {@link MemoryStorage}).
 *
 * <p>The log in storage starts after the latest snapshot: {@link #firstIndex()} is the snapshot's
 * index + 1, and the snapshot's term answers {@link #term} for the index just before.
 */
public interface Storage {

    /** The persisted term, vote and commit index; {@link HardState#EMPTY} for a new member. */
    HardState hardState();

    /** The configuration as of the latest snapshot; later changes are replayed from the log. */
    ConfState confState();

    /**
     * Entries in [lo, hi), at most {@code maxSize} bytes of them but always at least one.
     *
     * @throws CompactedException when {@code lo} is at or before the snapshot
     */
    List<LogEntry> entries(long lo, long hi, long maxSize);

    /**
     * The term of the entry at {@code index}, which may be the snapshot's index.
     *
     * @throws CompactedException when {@code index} is before the snapshot
     */
    long term(long index);

    long firstIndex();

    long lastIndex();

    /** The latest snapshot, {@link Snapshot#EMPTY} if there is none. */
    Snapshot snapshot();
}
