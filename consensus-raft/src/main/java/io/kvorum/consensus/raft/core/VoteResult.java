package io.kvorum.consensus.raft.core;

/** The outcome of counting answers among the voters. */
enum VoteResult {
    WON,
    LOST,
    /** Neither yet: enough voters have not answered. */
    PENDING
}
