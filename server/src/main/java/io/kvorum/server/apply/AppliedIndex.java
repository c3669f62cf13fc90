package io.kvorum.server.apply;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The applied index, and reads waiting for it to reach a read index. Readers wait; the apply
 * loop advances it and releases every waiter at or below the new index.
 */
final class AppliedIndex {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private volatile long applied;
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiting = new ConcurrentSkipListMap<>();

    AppliedIndex(long applied) {
        this.applied = applied;
    }

    long get() {
        return applied;
    }

    /** Completes (on the apply thread) once the applied index is at least {@code index}. */
    CompletableFuture<Void> await(long index) {
        if (applied >= index) {
            return DONE;
        }
        CompletableFuture<Void> f = waiting.computeIfAbsent(index, i -> new CompletableFuture<>());
        // The apply loop may have passed index between the check and the registration.
        if (applied >= index) {
            waiting.remove(index, f);
            f.complete(null);
        }
        return f;
    }

    /** Apply loop only. */
    void advance(long index) {
        applied = index;
        ConcurrentNavigableMap<Long, CompletableFuture<Void>> ready = waiting.headMap(index, true);
        for (Map.Entry<Long, CompletableFuture<Void>> e; (e = ready.pollFirstEntry()) != null; ) {
            e.getValue().complete(null);
        }
    }
}
