package io.kvorum.server.request;

import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.spi.consensus.ConsensusException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * etcd holds a request that needs consensus while its member knows no leader, and answers only
 * when one is found or the request timeout passes. This does the same over a consensus that
 * refuses at once with {@code NO_LEADER}: it asks again every {@value #RETRY_MILLIS} ms until
 * the deadline, then fails with the error etcd sends then. A request refused with
 * {@code NO_LEADER} was not taken, so asking again never applies it twice.
 */
public final class WaitForLeader {
    static final long RETRY_MILLIS = 50;

    private WaitForLeader() {
    }

    /**
     * @param call       one attempt
     * @param timeout    how long to keep asking
     * @param atDeadline what the request fails with when no leader was found in time
     */
    public static <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> call, Duration timeout, EtcdError atDeadline) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(call, System.nanoTime() + timeout.toNanos(), atDeadline, result);
        return result;
    }

    private static <T> void attempt(Supplier<CompletableFuture<T>> call, long deadline, EtcdError atDeadline,
                                    CompletableFuture<T> result) {
        if (result.isDone()) {
            return;
        }
        CompletableFuture<T> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((value, failure) -> {
            if (failure == null) {
                result.complete(value);
            } else if (!isNoLeader(failure)) {
                result.completeExceptionally(failure);
            } else if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS) >= deadline) {
                result.completeExceptionally(new EtcdException(atDeadline));
            } else {
                CompletableFuture.delayedExecutor(RETRY_MILLIS, TimeUnit.MILLISECONDS)
                        .execute(() -> attempt(call, deadline, atDeadline, result));
            }
        });
    }

    static boolean isNoLeader(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof ConsensusException e && e.reason() == ConsensusException.Reason.NO_LEADER;
    }
}
