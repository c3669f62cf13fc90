package io.kvorum.consensus.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link RawNode#advanceTicks}: etcd's fast-forward of the election timer at start. */
class TickAdvanceTest {
    private static final int ELECTION_TICK = 10; // TestCluster's

    @Test
    void aSingleVoterAdvancedByElectionTicksMinusOneCampaignsThatManyTicksSooner() {
        // Two clusters with the same seed draw the same randomized election timeout.
        int plain = ticksToLead(TestCluster.ofVoters(1), 0);
        int advanced = ticksToLead(TestCluster.ofVoters(1), ELECTION_TICK - 1);

        assertEquals(plain - (ELECTION_TICK - 1), advanced);
        // the randomized timeout is in [electionTick, 2 * electionTick): at most electionTick ticks remain
        assertTrue(advanced >= 1 && advanced <= ELECTION_TICK, "ticks after the advance: " + advanced);
    }

    @Test
    void aFollowerThatHearsFromItsLeaderIsNotDisruptedByTheAdvance() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        long term = c.term(1);

        c.node(2).advanceTicks(ELECTION_TICK - 2);
        c.node(3).advanceTicks(ELECTION_TICK - 2);
        c.tickAll(3 * ELECTION_TICK);

        assertEquals(StateRole.LEADER, c.role(1));
        assertEquals(term, c.term(2));
        assertEquals(term, c.term(3));
    }

    @Test
    void theClockOnlyMovesForward() {
        assertThrows(IllegalArgumentException.class, () -> TestCluster.ofVoters(1).node(1).advanceTicks(-1));
    }

    private static int ticksToLead(TestCluster c, int advance) {
        c.node(1).advanceTicks(advance);
        c.stabilize();
        for (int ticks = 0; ticks <= 2 * ELECTION_TICK; ticks++) {
            if (c.role(1) == StateRole.LEADER) {
                return ticks;
            }
            c.tick(1, 1);
        }
        throw new AssertionError("no leader after " + 2 * ELECTION_TICK + " ticks");
    }
}
