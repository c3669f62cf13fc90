package io.kvorum.server.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusException.Reason;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WaitForLeaderTest {
    private static <T> CompletableFuture<T> noLeader() {
        return CompletableFuture.failedFuture(new ConsensusException(Reason.NO_LEADER, "no leader"));
    }

    @Test
    void asksAgainWhileThereIsNoLeaderAndAnswersOnceOneIsFound() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> answer = WaitForLeader.call(
                () -> attempts.incrementAndGet() < 3 ? noLeader() : CompletableFuture.completedFuture("done"),
                Duration.ofSeconds(30), EtcdError.TIMEOUT);
        assertEquals("done", answer.get(30, TimeUnit.SECONDS));
        assertEquals(3, attempts.get());
    }

    @Test
    void failsWithTheGivenErrorWhenNoLeaderIsFoundInTime() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> WaitForLeader.call(
                WaitForLeaderTest::noLeader, Duration.ofMillis(200), EtcdError.DEADLINE_EXCEEDED).get(30, TimeUnit.SECONDS));
        assertEquals(EtcdError.DEADLINE_EXCEEDED, assertInstanceOf(EtcdException.class, e.getCause()).error());
    }

    @Test
    void otherFailuresAreNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        ExecutionException e = assertThrows(ExecutionException.class, () -> WaitForLeader.call(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new ConsensusException(Reason.LEADER_CHANGED, "changed"));
        }, Duration.ofSeconds(30), EtcdError.TIMEOUT).get(30, TimeUnit.SECONDS));
        assertEquals(Reason.LEADER_CHANGED, assertInstanceOf(ConsensusException.class, e.getCause()).reason());
        assertEquals(1, attempts.get());
    }
}
