package io.kvorum.backend.rocksdb;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the users of something that holds native memory and frees it exactly once: after it has
 * been closed and its last user has left. Closing therefore never pulls memory from under a thread
 * that is still reading; it only stops new users from coming in.
 */
final class ReferenceCount {
    private static final long CLOSED = 1L << 62;

    /** The number of users, plus {@link #CLOSED} once closed. */
    private final AtomicLong state = new AtomicLong();
    private final Runnable free;

    ReferenceCount(Runnable free) {
        this.free = free;
    }

    /** Adds a user, unless already closed. Each successful call needs one {@link #release()}. */
    boolean tryRetain() {
        while (true) {
            long current = state.get();
            if ((current & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    void release() {
        if (state.decrementAndGet() == CLOSED) {
            free.run();
        }
    }

    /**
     * Lets no new user in; frees now if nobody is in, else when the last one releases.
     *
     * @return false if it was already closed
     */
    boolean close() {
        while (true) {
            long current = state.get();
            if ((current & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(current, current | CLOSED)) {
                if (current == 0) {
                    free.run();
                }
                return true;
            }
        }
    }

    boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }
}
