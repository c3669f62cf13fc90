package io.kvorum.server.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RequestDeadlinesTest {
    @Test
    void aRequestNotAnsweredInTimeFailsWithATimeoutNoEarlierThanItsDeadline() throws Exception {
        RequestDeadlines deadlines = new RequestDeadlines(Duration.ofMillis(300));
        long start = System.nanoTime();
        CompletableFuture<String> request = deadlines.orTimeout(new CompletableFuture<>());

        ExecutionException e = assertThrows(ExecutionException.class, () -> request.get(10, TimeUnit.SECONDS));
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertInstanceOf(TimeoutException.class, e.getCause());
        assertTrue(waitedMillis >= 300, "timed out after " + waitedMillis + " ms");
    }

    @Test
    void answeredRequestsNeverTimeOutAndLeaveTheQueue() throws Exception {
        RequestDeadlines deadlines = new RequestDeadlines(Duration.ofMillis(200));
        AtomicInteger timedOut = new AtomicInteger();
        for (int i = 0; i < 1_000; i++) {
            CompletableFuture<Object> request = new CompletableFuture<>();
            deadlines.watch(request, timedOut::incrementAndGet);
            request.complete("answered");
        }

        waitUntilEmpty(deadlines);
        Thread.sleep(400);
        assertEquals(0, timedOut.get());
    }

    @Test
    void anAnsweredRequestBehindAWaitingOneIsNotTimedOutWhenThatOneIs() throws Exception {
        RequestDeadlines deadlines = new RequestDeadlines(Duration.ofMillis(200));
        CountDownLatch firstTimedOut = new CountDownLatch(1);
        AtomicInteger secondTimedOut = new AtomicInteger();
        CompletableFuture<Object> first = new CompletableFuture<>();
        CompletableFuture<Object> second = new CompletableFuture<>();
        deadlines.watch(first, firstTimedOut::countDown);
        deadlines.watch(second, secondTimedOut::incrementAndGet);
        second.complete("answered");

        assertTrue(firstTimedOut.await(10, TimeUnit.SECONDS));
        waitUntilEmpty(deadlines);
        assertEquals(0, secondTimedOut.get());
        assertFalse(first.isDone(), "watch only reports the timeout; the caller decides what it does");
    }

    @Test
    void requestsWatchedAfterTheQueueEmptiedStillTimeOut() throws Exception {
        RequestDeadlines deadlines = new RequestDeadlines(Duration.ofMillis(100));
        CompletableFuture<Object> answered = new CompletableFuture<>();
        deadlines.watch(answered, () -> { });
        answered.complete("answered");
        waitUntilEmpty(deadlines);

        CompletableFuture<Object> late = deadlines.orTimeout(new CompletableFuture<>());

        ExecutionException e = assertThrows(ExecutionException.class, () -> late.get(10, TimeUnit.SECONDS));
        assertInstanceOf(TimeoutException.class, e.getCause());
    }

    private static void waitUntilEmpty(RequestDeadlines deadlines) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (deadlines.queued() > 0) {
            assertTrue(System.nanoTime() < until, deadlines.queued() + " requests still queued");
            Thread.sleep(10);
        }
    }
}
