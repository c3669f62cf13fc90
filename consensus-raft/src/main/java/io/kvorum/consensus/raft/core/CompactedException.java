package io.kvorum.consensus.raft.core;

/** The entries asked for were compacted away; a snapshot stands in for them now. */
public final class CompactedException extends RuntimeException {
    public CompactedException(long index, long firstIndex) {
        super("index " + index + " is compacted; the log starts at " + firstIndex);
    }
}
