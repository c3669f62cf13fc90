package io.kvorum.consensus.raft.core;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The tail of the log not yet handed to stable storage: entries (and perhaps a snapshot) that the
 * next {@link Ready} asks the application to persist. {@code entries.get(i)} has index
 * {@code offset + i}.
 */
final class UnstableLog {
    private Snapshot snapshot = Snapshot.EMPTY;
    private List<LogEntry> entries = new ArrayList<>();
    private long offset;

    UnstableLog(long offset) {
        this.offset = offset;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    List<LogEntry> entries() {
        return List.copyOf(entries);
    }

    boolean hasEntries() {
        return !entries.isEmpty();
    }

    long offset() {
        return offset;
    }

    /** The first index, if a pending snapshot decides it. */
    OptionalLong maybeFirstIndex() {
        return snapshot.isEmpty() ? OptionalLong.empty() : OptionalLong.of(snapshot.index() + 1);
    }

    OptionalLong maybeLastIndex() {
        if (!entries.isEmpty()) {
            return OptionalLong.of(offset + entries.size() - 1);
        }
        return snapshot.isEmpty() ? OptionalLong.empty() : OptionalLong.of(snapshot.index());
    }

    OptionalLong maybeTerm(long index) {
        if (index < offset) {
            return !snapshot.isEmpty() && snapshot.index() == index ? OptionalLong.of(snapshot.term())
                    : OptionalLong.empty();
        }
        OptionalLong last = maybeLastIndex();
        if (last.isEmpty() || index > last.getAsLong()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(entries.get((int) (index - offset)).term());
    }

    /**
     * The application persisted entries up to {@code index}, which had {@code term} then. If the
     * entry was since replaced (a new leader overwrote it), the newer one is still unstable.
     */
    void stableTo(long index, long term) {
        OptionalLong current = maybeTerm(index);
        if (current.isEmpty() || current.getAsLong() != term || index < offset) {
            return;
        }
        entries = new ArrayList<>(entries.subList((int) (index + 1 - offset), entries.size()));
        offset = index + 1;
    }

    void stableSnapTo(long index) {
        if (!snapshot.isEmpty() && snapshot.index() == index) {
            snapshot = Snapshot.EMPTY;
        }
    }

    void restore(Snapshot incoming) {
        offset = incoming.index() + 1;
        entries = new ArrayList<>();
        snapshot = incoming;
    }

    void truncateAndAppend(List<LogEntry> incoming) {
        long after = incoming.get(0).index();
        if (after == offset + entries.size()) {
            entries.addAll(incoming);
        } else if (after <= offset) {
            // Replaces the whole unstable tail (and, once persisted, part of the stable log).
            offset = after;
            entries = new ArrayList<>(incoming);
        } else {
            List<LogEntry> kept = new ArrayList<>(entries.subList(0, (int) (after - offset)));
            kept.addAll(incoming);
            entries = kept;
        }
    }

    /** Entries in [lo, hi), all of them in this unstable tail. */
    List<LogEntry> slice(long lo, long hi) {
        if (lo < offset || hi > offset + entries.size() || lo > hi) {
            throw new IllegalArgumentException("unstable slice [" + lo + ", " + hi + ") out of [" + offset + ", "
                    + (offset + entries.size()) + ")");
        }
        return entries.subList((int) (lo - offset), (int) (hi - offset));
    }
}
