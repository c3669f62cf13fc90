package io.kvorum.consensus.raft.wal;

/** What a WAL record holds. The byte values are on disk: never renumber. */
enum RecordType {
    /** An encoded log entry; a later entry at the same or a lower index replaces the tail from there. */
    ENTRY(1),
    /** An encoded hard state; the last one wins. */
    HARD_STATE(2),
    /** A snapshot's index, term and configuration (no data): entries up to it are no longer needed. */
    SNAPSHOT(3);

    final int code;

    RecordType(int code) {
        this.code = code;
    }

    static RecordType ofCode(int code) {
        for (RecordType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
