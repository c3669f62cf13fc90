package io.kvorum.consensus.raft.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The log cannot be trusted: a record failed its check somewhere other than a torn tail, or
 * segments are missing. The member must not start on it: it needs repair (for a bad record, the
 * WAL's repair option cuts the log there), or to rejoin as a new member.
 */
public final class WalCorruptedException extends IOException {
    private final long offset;

    public WalCorruptedException(String message) {
        super(message);
        this.offset = -1;
    }

    /** A bad record at {@code offset} of {@code file}, where a repair may cut the log. */
    public WalCorruptedException(Path file, long offset, String what) {
        super(file + " at byte offset " + offset + ": " + what);
        this.offset = offset;
    }

    /** Whether the damage is one bad record, so that cutting the log there leaves a log to start on. */
    public boolean atRecord() {
        return offset >= 0;
    }
}
