package io.kvorum.consensus.raft.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of the replicated log.
 *
 * @param term  the leader's term when it was appended
 * @param index its position, from 1, without gaps
 * @param type  what {@code data} means
 * @param data  the bytes; never null (treated as immutable, not copied)
 */
public record LogEntry(long term, long index, EntryType type, byte[] data) {
    public LogEntry {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    /** A proposal: term and index are filled in by the leader when it appends. */
    public static LogEntry proposal(EntryType type, byte[] data) {
        return new LogEntry(0, 0, type, data);
    }

    LogEntry at(long newTerm, long newIndex) {
        return new LogEntry(newTerm, newIndex, type, data);
    }

    /** The size counted against message and batch limits. */
    long size() {
        return data.length + 16L;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogEntry e && e.term == term && e.index == index && e.type == type
                && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(term, index, type) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return index + "@" + term + (type == EntryType.CONF_CHANGE ? "(conf)" : "") + "[" + data.length + "B]";
    }
}
