package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
