package io.kvorum.consensus.raft.simulation;

/** A broken safety property of Raft, found while the simulation ran. */
final class SafetyViolation extends RuntimeException {
    SafetyViolation(String message) {
        super(message);
    }
}
