package io.kvorum.consensus.raft.core;

/** What a {@link LogEntry}'s data means. */
public enum EntryType {
    /** Application bytes; empty for the entry a new leader appends to open its term. */
    NORMAL,
    /** An encoded {@link ConfChange}: the application hands it back to {@link RawNode#applyConfChange} when committed. */
    CONF_CHANGE;

    private static final EntryType[] VALUES = values();

    static EntryType ofOrdinal(int ordinal) {
        if (ordinal < 0 || ordinal >= VALUES.length) {
            throw new EncodingException("unknown entry type " + ordinal);
        }
        return VALUES[ordinal];
    }
}
