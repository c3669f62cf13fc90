package io.kvorum.consensus.raft.simulation;

/**
 * A deliberate bug in how members use the Raft core, injected to prove the simulation's checks
 * catch what they are meant to catch.
 */
enum Fault {
    /** Members follow the rules. */
    NONE,
    /** A restarted member forgot whom it voted for, as if the vote were never persisted: it can vote twice in a term. */
    FORGET_VOTE,
    /** A restarted member lost its whole disk but rejoins under the same id, forgetting entries it acknowledged. */
    AMNESIA,
    /** Vote requests claim the candidate's log is up to date, so members elect a leader missing committed entries. */
    STALE_CANDIDATES,
    /** Reads are served from the member's local state without a ReadIndex round: they can be stale. */
    LOCAL_READS
}
