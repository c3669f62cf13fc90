package io.kvorum.server.apply;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests waiting for their entry to be applied, by request id. Registered by the proposing
 * thread before proposing; completed by the apply loop (only on the member that proposed).
 */
final class Waiters {
    private final ConcurrentHashMap<Long, CompletableFuture<Object>> byId = new ConcurrentHashMap<>();

    CompletableFuture<Object> register(long id) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        if (byId.putIfAbsent(id, f) != null) {
            throw new IllegalStateException("duplicate request id " + id);
        }
        return f;
    }

    /** Completes the waiter of {@code id}, if this member has one, with a response or an exception. */
    void complete(long id, Object result) {
        CompletableFuture<Object> f = byId.remove(id);
        if (f != null) {
            if (result instanceof Throwable t) {
                f.completeExceptionally(t);
            } else {
                f.complete(result);
            }
        }
    }

    void fail(long id, Throwable cause) {
        CompletableFuture<Object> f = byId.remove(id);
        if (f != null) {
            f.completeExceptionally(cause);
        }
    }

    void failAll(Throwable cause) {
        byId.keySet().forEach(id -> fail(id, cause));
    }
}
