package io.kvorum.consensus.raft.node;

import static io.kvorum.consensus.raft.node.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvorum.spi.consensus.ConsensusException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission control: client proposals queue for the driver up to a bound; past it they fail at
 * once with etcd's "too many requests" instead of piling up without limit behind a stalled member.
 */
class AdmissionTest {
    @TempDir
    Path dir;

    @Test
    void proposalsBeyondTheIntakeBoundFailAtOnceWithTooManyRequestsAndTheRestAreApplied() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 1, 1_000_000, Map.of())) {
            long leader = c.awaitLeader();
            RaftNode node = c.node(leader);
            RecordingStateMachine sm = c.machines.get(leader);
            CountDownLatch held = sm.holdApplies();
            List<CompletableFuture<Void>> accepted = new ArrayList<>();
            int refused = 0;
            try {
                // Probe until one proposal stays queued: the driver is then stuck applying the one before.
                int probes = 0;
                CompletableFuture<Void> probe;
                do {
                    probe = node.propose(("probe" + probes++).getBytes(StandardCharsets.UTF_8));
                    Thread.sleep(300);
                } while (probe.isDone());
                accepted.add(probe);

                for (int i = 0; i < DriverQueue.MAX_QUEUED_PROPOSALS + 500; i++) {
                    CompletableFuture<Void> f = node.propose(("p" + i).getBytes(StandardCharsets.UTF_8));
                    if (f.isCompletedExceptionally()) {
                        ConsensusException e = (ConsensusException) f.handle((ok, t) -> t).join();
                        assertEquals(ConsensusException.Reason.TOO_MANY_REQUESTS, e.reason());
                        assertEquals("etcdserver: too many requests", e.getMessage());
                        refused++;
                    } else {
                        accepted.add(f);
                    }
                }
            } finally {
                held.countDown();
            }
            assertEquals(501, refused, "exactly what did not fit in the intake is refused, at once");
            assertEquals(DriverQueue.MAX_QUEUED_PROPOSALS, accepted.size());
            for (CompletableFuture<Void> f : accepted) {
                try {
                    f.join();
                } catch (CompletionException e) {
                    throw new AssertionError("a queued proposal failed", e);
                }
            }
            await("every accepted proposal applied", () -> sm.payloads().containsAll(List.of("p0", "p" + (DriverQueue.MAX_QUEUED_PROPOSALS - 2))));
        }
    }
}
