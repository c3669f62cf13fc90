package io.kvorum.consensus.raft.simulation;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The simulation's checks are only worth something if they fail when Raft is used wrongly. Each
 * deliberate bug must be caught, by the check meant for it, within a few seeds.
 */
class BrokenVariantsTest {
    private static final int MAX_SEEDS = 60;

    @ParameterizedTest(name = "{0} is caught by {1}")
    @CsvSource(delimiter = ';', value = {
        "FORGET_VOTE; election safety",
        "STALE_CANDIDATES; leader completeness",
        "LOCAL_READS; not linearizable",
        // A lost disk forgets the vote and the acknowledged entries alike; the core itself also
        // refuses a leader's commit index beyond the log it lost.
        "AMNESIA; election safety|leader completeness|state machine safety|truncated or lost",
    })
    void simulationCatchesTheBug(Fault fault, String expected) {
        for (long seed = 1; seed <= MAX_SEEDS; seed++) {
            try {
                new Simulation(SimulationTest.options(seed, fault, false)).run();
            } catch (SimulationFailure e) {
                assertTrue(Pattern.compile(expected).matcher(e.getMessage()).find(),
                        "seed " + seed + " failed otherwise: " + e.getMessage());
                System.out.printf("%s caught at seed %d: %s%n", fault, seed, e.getMessage().lines().findFirst().orElse(""));
                return;
            }
        }
        fail("no seed of " + MAX_SEEDS + " caught " + fault);
    }
}
