package io.kvorum.consensus.raft.core;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link Storage} in memory. In production it is the WAL's cache of the log tail; in tests it is
 * a member's "disk": what survives a simulated crash is exactly what was written here.
 *
 * <p>Not thread-safe: the thread that drives the node owns it.
 */
public final class MemoryStorage implements Storage {
    private HardState hardState = HardState.EMPTY;
    private Snapshot snapshot;
    /** {@code entries.get(0)} is a placeholder for the snapshot's index and term. */
    private List<LogEntry> entries = new ArrayList<>();

    public MemoryStorage() {
        this(Snapshot.EMPTY);
    }

    /** Storage that starts from a snapshot (e.g. the initial configuration at index 0). */
    public MemoryStorage(Snapshot start) {
        snapshot = start;
        entries.add(new LogEntry(start.term(), start.index(), EntryType.NORMAL, new byte[0]));
    }

    @Override
    public HardState hardState() {
        return hardState;
    }

    public void setHardState(HardState state) {
        hardState = state;
    }

    @Override
    public ConfState confState() {
        return snapshot.confState();
    }

    private long offset() {
        return entries.get(0).index();
    }

    @Override
    public long firstIndex() {
        return offset() + 1;
    }

    @Override
    public long lastIndex() {
        return offset() + entries.size() - 1;
    }

    @Override
    public long term(long index) {
        long offset = offset();
        if (index < offset) {
            throw new CompactedException(index, firstIndex());
        }
        if (index > lastIndex()) {
            throw new IllegalArgumentException("index " + index + " is past the last index " + lastIndex());
        }
        return entries.get((int) (index - offset)).term();
    }

    @Override
    public List<LogEntry> entries(long lo, long hi, long maxSize) {
        long offset = offset();
        if (lo <= offset) {
            throw new CompactedException(lo, firstIndex());
        }
        if (hi > lastIndex() + 1 || lo > hi) {
            throw new IllegalArgumentException("entries [" + lo + ", " + hi + ") are out of [" + firstIndex() + ", "
                    + (lastIndex() + 1) + ")");
        }
        return RaftLog.limitSize(entries.subList((int) (lo - offset), (int) (hi - offset)), maxSize);
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    /** Replaces everything with a snapshot received from the leader. */
    public void applySnapshot(Snapshot incoming) {
        if (incoming.index() <= snapshot.index()) {
            throw new IllegalArgumentException("snapshot at " + incoming.index() + " is older than the one at "
                    + snapshot.index());
        }
        snapshot = incoming;
        entries = new ArrayList<>();
        entries.add(new LogEntry(incoming.term(), incoming.index(), EntryType.NORMAL, new byte[0]));
    }

    /**
     * Records a snapshot the application made of its state as of {@code index} (at most the
     * applied index). The log is not compacted: call {@link #compact} for that, usually leaving
     * some entries so slow followers catch up without a snapshot.
     */
    public Snapshot createSnapshot(long index, ConfState confState, byte[] data) {
        if (index <= snapshot.index()) {
            throw new IllegalArgumentException("snapshot at " + index + " is not newer than the one at "
                    + snapshot.index());
        }
        if (index > lastIndex()) {
            throw new IllegalArgumentException("snapshot at " + index + " is past the last index " + lastIndex());
        }
        snapshot = new Snapshot(index, term(index), confState, data);
        return snapshot;
    }

    /** Drops the entries up to and including {@code compactIndex}, which a snapshot must cover. */
    public void compact(long compactIndex) {
        long offset = offset();
        if (compactIndex <= offset) {
            throw new CompactedException(compactIndex, firstIndex());
        }
        if (compactIndex > lastIndex()) {
            throw new IllegalArgumentException("compaction at " + compactIndex + " is past the last index "
                    + lastIndex());
        }
        if (compactIndex > snapshot.index()) {
            throw new IllegalArgumentException("compaction at " + compactIndex + " is past the snapshot at "
                    + snapshot.index());
        }
        int i = (int) (compactIndex - offset);
        LogEntry last = entries.get(i);
        List<LogEntry> kept = new ArrayList<>(entries.size() - i);
        kept.add(new LogEntry(last.term(), last.index(), EntryType.NORMAL, new byte[0]));
        kept.addAll(entries.subList(i + 1, entries.size()));
        entries = kept;
    }

    /**
     * Appends entries from a {@link Ready}; ones that overlap the tail replace it (a new leader
     * overwrote uncommitted entries). Entries already covered by the snapshot are skipped.
     */
    public void append(List<LogEntry> incoming) {
        if (incoming.isEmpty()) {
            return;
        }
        long first = firstIndex();
        long lastIncoming = incoming.get(incoming.size() - 1).index();
        if (lastIncoming < first) {
            return;
        }
        List<LogEntry> fresh = incoming;
        if (first > incoming.get(0).index()) {
            fresh = incoming.subList((int) (first - incoming.get(0).index()), incoming.size());
        }
        long at = fresh.get(0).index() - offset();
        if (at > entries.size()) {
            throw new IllegalArgumentException("entry " + fresh.get(0).index() + " leaves a gap after "
                    + lastIndex());
        }
        entries.subList((int) at, entries.size()).clear();
        entries.addAll(fresh);
    }
}
