package io.kvorum.server.v2;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One v2 watch ({@code wait=true}): the events for it, as the hub hands them over. A long-poll
 * watch takes one event and is gone; a stream watch ({@code stream=true}) takes them until closed.
 *
 * <p>Threads: events are offered by the apply loop (under the hub's lock) and taken by the HTTP
 * side; the queue is guarded by {@code this} and bounded to {@link #BUFFER} events, as etcd's
 * channel: a watcher that falls that far behind is removed, and its reader sees the end.
 * Futures are completed on {@code executor}, never on the apply thread.
 */
public final class V2Watcher {
    static final int BUFFER = 100;

    final String key;
    final boolean recursive;
    final boolean stream;
    final long sinceIndex;
    private final long startIndex;
    private final Executor executor;
    private final ArrayDeque<V2Event> queue = new ArrayDeque<>();
    private CompletableFuture<Optional<V2Event>> waiting;
    private boolean closed;
    /** Set by the hub when registered; removes this watcher from it. */
    Runnable remover = () -> { };
    boolean removed;

    V2Watcher(String key, boolean recursive, boolean stream, long sinceIndex, long startIndex, Executor executor) {
        this.key = key;
        this.recursive = recursive;
        this.stream = stream;
        this.sinceIndex = sinceIndex;
        this.startIndex = startIndex;
        this.executor = executor;
    }

    /** The store index when the watch began: its {@code X-Etcd-Index}. */
    public long startIndex() {
        return startIndex;
    }

    /** The next event; empty once the watcher is closed (removed, or fallen behind). */
    public synchronized CompletableFuture<Optional<V2Event>> next() {
        if (!queue.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.of(queue.poll()));
        }
        if (closed) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (waiting == null) {
            waiting = new CompletableFuture<>();
        }
        return waiting;
    }

    /** Offers {@code e}; false when the buffer is full (the watcher must go). Hub lock held. */
    synchronized boolean offer(V2Event e) {
        if (closed) {
            return true;
        }
        if (waiting != null) {
            CompletableFuture<Optional<V2Event>> w = waiting;
            waiting = null;
            executor.execute(() -> w.complete(Optional.of(e)));
            return true;
        }
        if (queue.size() >= BUFFER) {
            return false;
        }
        queue.add(e);
        return true;
    }

    /** Ends the watch: the reader sees the end once the queued events are taken. */
    synchronized void close() {
        closed = true;
        if (waiting != null) {
            CompletableFuture<Optional<V2Event>> w = waiting;
            waiting = null;
            executor.execute(() -> w.complete(Optional.empty()));
        }
    }

    /**
     * etcd's {@code notify}: takes {@code e} when it concerns this watcher at or after its index.
     *
     * @return whether it was taken
     */
    boolean notify(V2Event e, boolean originalPath, boolean deleted, Runnable onOverflow) {
        if ((recursive || originalPath || deleted) && e.index() >= sinceIndex) {
            if (!offer(e)) {
                onOverflow.run();
            }
            return true;
        }
        return false;
    }
}
