package io.kvorum.server.apply;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Requests waiting for their entry to be applied, by request id, each with where it is answered.
 * Registered by the proposing thread before proposing; completed for a batch by the apply loop
 * (only on the member that proposed), which hands each place its answers in one task.
 */
final class Waiters {
    private record Waiter(CompletableFuture<Object> future, Executor answerOn) {
    }

    private final ConcurrentHashMap<Long, Waiter> byId = new ConcurrentHashMap<>();

    /** @param answerOn where the future is completed, so where what depends on it runs */
    CompletableFuture<Object> register(long id, Executor answerOn) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        if (byId.putIfAbsent(id, new Waiter(f, answerOn)) != null) {
            throw new IllegalStateException("duplicate request id " + id);
        }
        return f;
    }

    /**
     * Completes the waiters of a batch's requests ({@code ids[i]} 0: none at {@code i}) with
     * their results (a response, or an exception), each on its executor: one task per executor,
     * in log order within it.
     */
    void completeAll(long[] ids, Object[] results) {
        // Each gRPC call answers on its own context-aware view of its event loop, so a batch may
        // have about as many places as requests: found by identity, not by scanning those seen.
        Map<Executor, Answers> places = new IdentityHashMap<>();
        for (int i = 0; i < ids.length; i++) {
            Waiter w = ids[i] == 0 ? null : byId.remove(ids[i]);
            if (w == null) {
                continue;
            }
            Answers to = places.computeIfAbsent(w.answerOn(), Answers::new);
            to.futures.add(w.future());
            to.results.add(results[i]);
        }
        for (Answers a : places.values()) {
            try {
                a.on.execute(a);
            } catch (RejectedExecutionException e) {
                a.run(); // the place is shutting down with the server: the futures still complete
            }
        }
    }

    /** Completes the waiter of {@code id}, if this member has one, here, with a response or an exception. */
    void complete(long id, Object result) {
        Waiter w = byId.remove(id);
        if (w != null) {
            complete(w.future(), result);
        }
    }

    void fail(long id, Throwable cause) {
        Waiter w = byId.remove(id);
        if (w != null) {
            w.future().completeExceptionally(cause);
        }
    }

    void failAll(Throwable cause) {
        byId.keySet().forEach(id -> fail(id, cause));
    }

    private static void complete(CompletableFuture<Object> f, Object result) {
        if (result instanceof Throwable t) {
            f.completeExceptionally(t);
        } else {
            f.complete(result);
        }
    }

    /** The answers a batch gives on one executor. */
    private static final class Answers implements Runnable {
        final Executor on;
        final List<CompletableFuture<Object>> futures = new ArrayList<>();
        final List<Object> results = new ArrayList<>();

        Answers(Executor on) {
            this.on = on;
        }

        @Override
        public void run() {
            for (int i = 0; i < futures.size(); i++) {
                complete(futures.get(i), results.get(i));
            }
        }
    }
}
