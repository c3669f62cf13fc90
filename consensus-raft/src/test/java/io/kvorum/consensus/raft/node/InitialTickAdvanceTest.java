package io.kvorum.consensus.raft.node;

import static io.kvorum.consensus.raft.node.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's fast-forward of the election timer at start: a single member always, a member of a
 * larger cluster once its peers answer, unless {@code --initial-election-tick-advance=false}.
 */
class InitialTickAdvanceTest {
    /** LocalCluster's settings: heartbeat 25 ms, election timeout 500 ms. */
    private static final int ELECTION_TICKS = 20;

    @TempDir
    Path dir;

    @Test
    void aSingleMemberFastForwardsAllButOneElectionTickEvenWithTheFlagOff() throws Exception {
        for (boolean flag : List.of(true, false)) {
            try (LocalCluster c = new LocalCluster(dir.resolve("flag-" + flag), 1, 10_000, Map.of())) {
                c.initialElectionTickAdvance = flag;
                RaftNode node = c.start(LocalCluster.member(1).id());

                assertEquals(ELECTION_TICKS - 1, node.ticksAdvanced(), "--initial-election-tick-advance=" + flag);
                c.awaitLeader();
            }
        }
    }

    @Test
    void aSingleMemberLeadsAsItStartsWithoutWaitingOutTheRestOfItsElectionTimeout() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 1, 10_000, Map.of())) {
            long id = LocalCluster.member(1).id();
            RaftNode node = c.start(id);

            // no tick has passed yet (one is 25 ms): the campaign came with the start
            assertEquals(id, node.status().leaderId());
        }
    }

    @Test
    void aSingleMemberFastForwardsAgainAfterARestart() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 1, 10_000, Map.of())) {
            long id = c.awaitLeader();
            c.stop(id);

            assertEquals(ELECTION_TICKS - 1, c.start(id).ticksAdvanced());
        }
    }

    @Test
    void membersOfALargerClusterFastForwardAllButTwoTicksOnceTheirPeersAnswer() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, Map.of())) {
            await("every member advanced", () -> c.nodes.values().stream()
                    .allMatch(n -> n.ticksAdvanced() == ELECTION_TICKS - 2));
            c.awaitLeader();
        }
    }

    @Test
    void membersOfALargerClusterDoNotAdvanceWithTheFlagOff() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, 10_000, Map.of())) {
            c.initialElectionTickAdvance = false;
            for (long id : List.copyOf(c.specs.keySet())) {
                c.start(id);
            }
            c.awaitLeader();
            Thread.sleep(200); // past the ticks in which an advance would have come: peers answer at once here

            for (RaftNode n : c.nodes.values()) {
                assertEquals(0, n.ticksAdvanced());
            }
        }
    }
}
