package io.kvorum.consensus.raft.node;

import static io.kvorum.consensus.raft.node.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader that stops hands leadership over first, as etcd's {@code EtcdServer.Stop}: when its
 * close returns, a peer leads already (one term later), so the others never wait out an election
 * timeout; and no entry the old leader applied is lost.
 */
class GracefulStopTest {

    @TempDir
    Path dir;

    @Test
    void aStoppingLeaderHandsLeadershipToAPeerBeforeItsCloseReturns() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, Map.of())) {
            long leader = c.awaitLeader();
            c.proposeAndAwait(leader, "before");
            RaftNode old = c.node(leader);
            // Writes the old leader applied (acknowledged, in a server) just before it stops.
            List<String> acknowledged = new ArrayList<>();
            List<CompletableFuture<Void>> proposed = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String payload = "w" + i;
                acknowledged.add(payload);
                proposed.add(old.propose(payload.getBytes(StandardCharsets.UTF_8)));
            }
            CompletableFuture.allOf(proposed.toArray(CompletableFuture[]::new)).join();
            await("the leader applied every write", () -> c.machines.get(leader).payloads().containsAll(acknowledged));
            long oldTerm = old.status().term();

            c.stop(leader);

            long successor = old.status().leaderId();
            assertNotEquals(leader, successor, "the stopped leader saw another member lead before its close returned");
            assertNotEquals(0L, successor);
            assertEquals(1, old.handOff.completed, "leadership moved by transfer, not by an election after a timeout");
            RaftNode next = c.node(successor);
            // a new leader sends its first appends before its own driver has published its status
            // (sends overlap the Ready's WAL write), so the old leader may know of it a moment earlier
            await("the transferee's status says it leads", () -> next.status().leaderId() == successor);
            assertEquals(oldTerm + 1, next.status().term(), "one campaign, at the next term");

            await("the remaining members applied every acknowledged write", () -> c.nodes.keySet().stream()
                    .allMatch(id -> c.machines.get(id).payloads().containsAll(acknowledged)));
            c.proposeAndAwait(successor, "after");
            assertEquals(successor, c.awaitLeader());
        }
    }

    @Test
    void aStoppingFollowerLeavesTheLeaderAlone() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, Map.of())) {
            long leader = c.awaitLeader();
            c.proposeAndAwait(leader, "before");
            long term = c.node(leader).status().term();
            long follower = c.followers(leader).get(0);
            RaftNode stopped = c.node(follower);

            c.stop(follower);

            assertEquals(0, stopped.handOff.completed);
            assertEquals(leader, c.node(leader).status().leaderId());
            assertEquals(term, c.node(leader).status().term());
            c.proposeAndAwait(leader, "after");
        }
    }

    @Test
    void theOnlyVoterStopsWithoutAHandOff() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 1, 10_000, Map.of())) {
            long leader = c.awaitLeader();
            c.proposeAndAwait(leader, "alone");
            RaftNode only = c.node(leader);

            c.stop(leader);

            assertEquals(0, only.handOff.completed);
            assertEquals(leader, only.status().leaderId(), "nobody else could lead");
            assertTrue(c.nodes.isEmpty());
        }
    }
}
