package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The driver-level simulation's checks are only worth something if they fail when the driver
 * misbehaves. A member whose WAL sync is acknowledged but not done answers clients and votes
 * before anything is durable: a power cut then takes back acknowledged entries and votes, which
 * the checks must catch within a few seeds.
 */
class DriverBrokenVariantsTest {
    private static final int MAX_SEEDS = 30;
    private static final Pattern CAUGHT = Pattern.compile(
            "election safety|state machine safety|not linearizable|commit index .* went back");

    @Test
    void aDriverThatAcknowledgesBeforeItsWalSyncIsCaught() throws IOException {
        for (long seed = 1; seed <= MAX_SEEDS; seed++) {
            try {
                DriverSimulationTest.run(seed, DriverSimulation.Fault.ACK_BEFORE_SYNC);
            } catch (AssertionError e) {
                if (e.getMessage().lines().findFirst().orElse("").contains("cannot start")) {
                    // the member's own start-up checks refused what the lying disk left: caught, but not by
                    // the checks this test is about; look at the next seed
                    System.out.printf("ACK_BEFORE_SYNC refused at start at seed %d%n", seed);
                    continue;
                }
                String first = e.getMessage().lines().findFirst().orElse("");
                assertTrue(CAUGHT.matcher(first).find(), "seed " + seed + " failed otherwise: " + e.getMessage());
                System.out.printf("ACK_BEFORE_SYNC caught at seed %d: %s%n", seed, first);
                return;
            }
        }
        fail("no seed of " + MAX_SEEDS + " caught a driver that acknowledges before its WAL sync");
    }
}
