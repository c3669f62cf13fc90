package io.kvorum.server.request;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The request timeout of every request in flight, kept by one timer rather than one per request.
 * {@code orTimeout} on each request armed and cancelled a timer of the JDK's delayer per put and per
 * linearizable read, and cancelling the earliest one woke the delayer's thread every time: a
 * thread wake-up per request, for a timeout that almost never fires.
 *
 * <p>Every request gets the same timeout, so they enter in the order of their deadlines. While any
 * is waiting, a tick every {@value #TICK_MILLIS} ms drops the answered ones from the head and times
 * out those past their deadline; a timeout fires up to a tick late, which a deadline of seconds does
 * not notice. An answered request behind an unanswered one stays queued until that one is answered
 * or times out, so the queue holds at most a timeout's worth of requests.
 */
final class RequestDeadlines {
    static final long TICK_MILLIS = 50;

    private record Pending(long deadline, CompletableFuture<?> request, Runnable onTimeout) {
    }

    private final long timeoutNanos;
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean ticking = new AtomicBoolean();
    private final Executor nextTick = CompletableFuture.delayedExecutor(TICK_MILLIS, TimeUnit.MILLISECONDS);

    RequestDeadlines(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    /** Runs {@code onTimeout} if {@code request} is not done when the timeout has passed. */
    void watch(CompletableFuture<?> request, Runnable onTimeout) {
        pending.add(new Pending(System.nanoTime() + timeoutNanos, request, onTimeout));
        if (ticking.compareAndSet(false, true)) {
            nextTick.execute(this::tick);
        }
    }

    /** {@code orTimeout}: fails {@code request} with a {@link TimeoutException} if not done in time. */
    <T> CompletableFuture<T> orTimeout(CompletableFuture<T> request) {
        watch(request, () -> request.completeExceptionally(new TimeoutException()));
        return request;
    }

    /** How many requests are queued (answered ones behind an unanswered one included). */
    int queued() {
        return pending.size();
    }

    private void tick() {
        long now = System.nanoTime();
        for (Pending p; (p = pending.peek()) != null; ) {
            if (!p.request().isDone()) {
                if (p.deadline() - now > 0) {
                    break;
                }
                p.onTimeout().run();
            }
            pending.poll();
        }
        ticking.set(false);
        // A request added after the loop looked found the flag still set: tick again for it.
        if (!pending.isEmpty() && ticking.compareAndSet(false, true)) {
            nextTick.execute(this::tick);
        }
    }
}
