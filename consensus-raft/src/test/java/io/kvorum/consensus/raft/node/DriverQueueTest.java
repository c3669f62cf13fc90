package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** One task of the driver that fails, even with an Error, fails alone: the round goes on and the driver with it. */
class DriverQueueTest {

    @Test
    void aPeerTaskThatThrowsAnErrorDoesNotStopTheTasksAfterIt() {
        DriverQueue queue = new DriverQueue(() -> { });
        queue.started();
        List<String> ran = new ArrayList<>();
        queue.run(() -> {
            throw new InternalError("a crafted failure");
        });
        queue.run(() -> ran.add("next"));

        queue.runRound();

        assertEquals(List.of("next"), ran);
        assertTrue(!queue.stopping());
    }

    @Test
    void aCallThatThrowsAnErrorFailsItsFutureAndTheNextCallRuns() throws Exception {
        DriverQueue queue = new DriverQueue(() -> { });
        queue.started();
        CompletableFuture<Object> failing = queue.call(f -> {
            throw new StackOverflowError("deep");
        });
        CompletableFuture<String> next = queue.call(f -> f.complete("answered"));

        queue.runRound();

        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, failing::get);
        assertInstanceOf(StackOverflowError.class, e.getCause());
        assertEquals("answered", next.get());
    }

    @Test
    void eachPeersMessagesAreBoundedAndDroppedBeyondWhileOtherPeersAreStillHeard() {
        DriverQueue queue = new DriverQueue(() -> { });
        queue.started();
        List<Long> stepped = new ArrayList<>();
        for (int i = 0; i < DriverQueue.MAX_QUEUED_PER_PEER; i++) {
            assertTrue(queue.runFromPeer(1, () -> stepped.add(1L)));
        }
        assertFalse(queue.runFromPeer(1, () -> stepped.add(1L)), "peer 1's buffer is full: dropped");
        assertEquals(DriverQueue.MAX_QUEUED_PER_PEER, queue.queuedFrom(1));
        assertTrue(queue.runFromPeer(2, () -> stepped.add(2L)), "another peer is still heard");

        queue.runRound(); // up to 4096 tasks a round: peer 1's, then peer 2's in the next
        assertEquals(DriverQueue.MAX_QUEUED_PER_PEER, stepped.size());
        assertEquals(0, queue.queuedFrom(1));
        assertTrue(queue.runFromPeer(1, () -> stepped.add(1L)), "room again once stepped");
        queue.runRound();
        assertEquals(List.of(2L, 1L), stepped.subList(DriverQueue.MAX_QUEUED_PER_PEER, stepped.size()));
    }

    @Test
    void aPeerMessageThatFailsStillFreesItsPlace() {
        DriverQueue queue = new DriverQueue(() -> { });
        queue.started();
        queue.runFromPeer(1, () -> {
            throw new IllegalStateException("a message the core refused");
        });
        queue.runRound();
        assertEquals(0, queue.queuedFrom(1));
    }

    @Test
    void peerCallsInProgressAreBoundedAndRefusedBeyondAsTooManyRequests() throws Exception {
        DriverQueue queue = new DriverQueue(() -> { });
        queue.started();
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < DriverQueue.MAX_PEER_CALLS; i++) {
            answers.add(queue.callFromPeer(f -> { })); // answered later, as a change waiting for its commit
        }
        CompletableFuture<String> refused = queue.callFromPeer(f -> f.complete("never"));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, refused::get);
        assertEquals("etcdserver: too many requests", e.getCause().getMessage());

        queue.runRound();
        assertEquals(DriverQueue.MAX_PEER_CALLS, queue.peerCalls(), "run but not answered: still in progress");
        answers.get(0).complete("answered");
        assertEquals(DriverQueue.MAX_PEER_CALLS - 1, queue.peerCalls());
        CompletableFuture<String> next = queue.callFromPeer(f -> f.complete("taken"));
        queue.runRound();
        assertEquals("taken", next.get());
    }
}
