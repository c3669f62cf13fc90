package io.kvorum.consensus.raft.core;

import java.util.ArrayList;
import java.util.List;

/**
 * One member's view of the log: the stable part in {@link Storage}, the unstable tail in memory,
 * and the two cursors that move through it: {@code committed} (known replicated on a quorum) and
 * {@code applied} (handed to the application). Always {@code applied <= committed <= lastIndex}.
 */
final class RaftLog {
    private final Storage storage;
    private final UnstableLog unstable;
    private final long maxApplySize;
    private long committed;
    private long applied;

    RaftLog(Storage storage, long maxApplySize) {
        this.storage = storage;
        this.maxApplySize = maxApplySize;
        this.unstable = new UnstableLog(storage.lastIndex() + 1);
        // Everything up to the snapshot was committed and applied before it was taken.
        this.committed = storage.firstIndex() - 1;
        this.applied = storage.firstIndex() - 1;
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    long firstIndex() {
        return unstable.maybeFirstIndex().orElseGet(storage::firstIndex);
    }

    long lastIndex() {
        return unstable.maybeLastIndex().orElseGet(storage::lastIndex);
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /**
     * The term of the entry at {@code index}; 0 when the log does not reach that far.
     *
     * @throws CompactedException when the entry was compacted (its snapshot's index still answers)
     */
    long term(long index) {
        long dummy = firstIndex() - 1;
        if (index < dummy) {
            throw new CompactedException(index, firstIndex());
        }
        if (index > lastIndex()) {
            return 0;
        }
        var fromUnstable = unstable.maybeTerm(index);
        return fromUnstable.isPresent() ? fromUnstable.getAsLong() : storage.term(index);
    }

    boolean matchTerm(long index, long term) {
        try {
            return term(index) == term;
        } catch (CompactedException e) {
            return false;
        }
    }

    /** Whether a log ending at (index, term) is at least as up to date as this one (Raft §5.4.1). */
    boolean isUpToDate(long index, long term) {
        long lastTerm = lastTerm();
        return term > lastTerm || (term == lastTerm && index >= lastIndex());
    }

    /**
     * Appends what a leader sent after (index, logTerm), if this log has that entry; advances the
     * commit index to what the leader committed, as far as the new entries go.
     *
     * @return the index of the last new entry, or -1 when this log does not match at {@code index}
     */
    long maybeAppend(long index, long logTerm, long leaderCommit, List<LogEntry> entries) {
        if (!matchTerm(index, logTerm)) {
            return -1;
        }
        long lastNew = index + entries.size();
        long conflict = findConflict(entries);
        if (conflict != 0) {
            if (conflict <= committed) {
                throw new IllegalStateException("entry " + conflict + " conflicts with committed entry (committed "
                        + committed + ")");
            }
            append(entries.subList((int) (conflict - (index + 1)), entries.size()));
        }
        commitTo(Math.min(leaderCommit, lastNew));
        return lastNew;
    }

    long append(List<LogEntry> entries) {
        if (entries.isEmpty()) {
            return lastIndex();
        }
        long after = entries.get(0).index() - 1;
        if (after < committed) {
            throw new IllegalStateException("appending after " + after + " would overwrite committed " + committed);
        }
        unstable.truncateAndAppend(entries);
        return lastIndex();
    }

    /** The index of the first entry that is new or differs from this log; 0 if none. */
    private long findConflict(List<LogEntry> entries) {
        for (LogEntry e : entries) {
            if (!matchTerm(e.index(), e.term())) {
                return e.index();
            }
        }
        return 0;
    }

    /**
     * The highest index at or below {@code index} whose term is at most {@code term}: where the
     * leader should probe next after a rejection, skipping a whole term of mismatches at once.
     */
    long findConflictByTerm(long index, long term) {
        for (; index > 0; index--) {
            long t;
            try {
                t = term(index);
            } catch (CompactedException e) {
                break;
            }
            if (t <= term) {
                break;
            }
        }
        return index;
    }

    void commitTo(long index) {
        if (index > committed) {
            if (index > lastIndex()) {
                throw new IllegalStateException("commit " + index + " is past the last index " + lastIndex()
                        + ": was the log corrupted, truncated or lost?");
            }
            committed = index;
        }
    }

    /** Commits up to {@code index} if that entry is of {@code term}: only the current term's entries commit by counting. */
    boolean maybeCommit(long index, long term) {
        if (index > committed && termOrZero(index) == term) {
            commitTo(index);
            return true;
        }
        return false;
    }

    private long termOrZero(long index) {
        try {
            return term(index);
        } catch (CompactedException e) {
            return 0;
        }
    }

    void appliedTo(long index) {
        if (index == 0) {
            return;
        }
        if (index > committed || index < applied) {
            throw new IllegalStateException("applied " + index + " is out of [" + applied + ", " + committed + "]");
        }
        applied = index;
    }

    void stableTo(long index, long term) {
        unstable.stableTo(index, term);
    }

    void stableSnapTo(long index) {
        unstable.stableSnapTo(index);
    }

    List<LogEntry> unstableEntries() {
        return unstable.entries();
    }

    Snapshot unstableSnapshot() {
        return unstable.snapshot();
    }

    boolean hasUnstable() {
        return !unstable.snapshot().isEmpty() || unstable.hasEntries();
    }

    /** The latest snapshot: one still being persisted, else the stored one. */
    Snapshot snapshot() {
        Snapshot pending = unstable.snapshot();
        return pending.isEmpty() ? storage.snapshot() : pending;
    }

    boolean hasNextCommittedEntries() {
        return committed + 1 > Math.max(applied + 1, firstIndex());
    }

    /** Committed entries not yet applied, up to the size limit (at least one). */
    List<LogEntry> nextCommittedEntries() {
        long from = Math.max(applied + 1, firstIndex());
        if (committed + 1 <= from) {
            return List.of();
        }
        return slice(from, committed + 1, maxApplySize);
    }

    /** Entries from {@code from} to the end, up to {@code maxSize} bytes (at least one). */
    List<LogEntry> entriesFrom(long from, long maxSize) {
        if (from > lastIndex()) {
            return List.of();
        }
        return slice(from, lastIndex() + 1, maxSize);
    }

    /** Restores the log to a snapshot received from the leader: everything before it is gone. */
    void restore(Snapshot snapshot) {
        committed = snapshot.index();
        unstable.restore(snapshot);
    }

    /**
     * Entries in [lo, hi), at most {@code maxSize} bytes but at least one.
     *
     * @throws CompactedException when {@code lo} was compacted
     */
    List<LogEntry> slice(long lo, long hi, long maxSize) {
        if (lo < firstIndex()) {
            throw new CompactedException(lo, firstIndex());
        }
        if (hi > lastIndex() + 1 || lo > hi) {
            throw new IllegalArgumentException("slice [" + lo + ", " + hi + ") out of [" + firstIndex() + ", "
                    + (lastIndex() + 1) + ")");
        }
        if (lo == hi) {
            return List.of();
        }
        List<LogEntry> result = new ArrayList<>();
        long unstableFrom = unstable.offset();
        if (lo < unstableFrom) {
            List<LogEntry> stored = storage.entries(lo, Math.min(hi, unstableFrom), maxSize);
            result.addAll(stored);
            if (stored.size() < Math.min(hi, unstableFrom) - lo) {
                return result; // the size limit cut the stored part short
            }
        }
        if (hi > unstableFrom) {
            result.addAll(unstable.slice(Math.max(lo, unstableFrom), hi));
        }
        return limitSize(result, maxSize);
    }

    /** The longest prefix within {@code maxSize} bytes, but never fewer than one entry. */
    static List<LogEntry> limitSize(List<LogEntry> entries, long maxSize) {
        if (entries.isEmpty()) {
            return List.of();
        }
        long size = entries.get(0).size();
        int n = 1;
        while (n < entries.size()) {
            size += entries.get(n).size();
            if (size > maxSize) {
                break;
            }
            n++;
        }
        return List.copyOf(entries.subList(0, n));
    }
}
