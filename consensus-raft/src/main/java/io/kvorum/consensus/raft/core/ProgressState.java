package io.kvorum.consensus.raft.core;

/** How the leader replicates to one follower (etcd's tracker states). */
public enum ProgressState {
    /** Where the follower's log matches is unknown: one append at a time, each awaiting its answer. */
    PROBE,
    /** The logs match: stream appends optimistically, up to the inflight limit. */
    REPLICATE,
    /** The follower needs compacted entries: a snapshot is on its way; send nothing else. */
    SNAPSHOT
}
