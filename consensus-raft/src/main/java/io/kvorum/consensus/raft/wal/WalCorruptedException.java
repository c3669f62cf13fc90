package io.kvorum.consensus.raft.wal;

import java.io.IOException;

/**
 * The log cannot be trusted: a record failed its check somewhere other than a torn tail. The
 * member must not start on it; it needs repair by hand, or to rejoin as a new member.
 */
public final class WalCorruptedException extends IOException {
    public WalCorruptedException(String message) {
        super(message);
    }
}
