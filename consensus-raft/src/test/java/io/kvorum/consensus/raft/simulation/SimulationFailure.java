package io.kvorum.consensus.raft.simulation;

/** A seed that broke the simulation: what broke, how to rerun exactly that seed, and the last events. */
final class SimulationFailure extends AssertionError {
    private final long seed;

    SimulationFailure(long seed, String message, Throwable cause) {
        super(message, cause);
        this.seed = seed;
    }

    long seed() {
        return seed;
    }
}
