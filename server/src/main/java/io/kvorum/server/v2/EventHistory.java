package io.kvorum.server.v2;

import java.util.Optional;

/**
 * etcd's event history: the last {@link #CAPACITY} events in a ring, so that a watch from an
 * index still in it is answered at once, and one from an older index gets "The event in requested
 * index is outdated and cleared". Guarded by the {@link WatcherHub}'s lock.
 */
final class EventHistory {
    static final int CAPACITY = 1000;

    private final V2Event[] events;
    private int front;
    private int back;
    private int size;
    private long startIndex;
    private long lastIndex;

    EventHistory(int capacity) {
        this.events = new V2Event[capacity];
    }

    /** After a restart or snapshot restore: nothing before {@code currentIndex} is kept. */
    void resetAt(long currentIndex) {
        java.util.Arrays.fill(events, null);
        front = back = size = 0;
        startIndex = currentIndex == 0 ? 0 : currentIndex + 1;
        lastIndex = currentIndex;
    }

    void add(V2Event e) {
        events[back] = e;
        back = (back + 1) % events.length;
        if (size == events.length) {
            front = (front + 1) % events.length;
        } else {
            size++;
        }
        lastIndex = e.index();
        startIndex = events[front].index();
    }

    /**
     * etcd's {@code scan}: the first event at or after {@code index} that concerns {@code key}
     * (or, recursive, a key below it; or a deleted directory above it); empty when there is none yet.
     *
     * @throws V2Error EVENT_INDEX_CLEARED when {@code index} is older than the history
     */
    Optional<V2Event> scan(String key, boolean recursive, long index) {
        if (index < startIndex) {
            throw new V2Error(V2Error.EVENT_INDEX_CLEARED,
                    "the requested history has been cleared [" + startIndex + "/" + index + "]", 0);
        }
        if (index > lastIndex || size == 0) {
            return Optional.empty();
        }
        long offset = index - startIndex;
        int i = (int) ((front + offset) % events.length);
        String prefix = key.endsWith("/") ? key : key + "/";
        while (true) {
            V2Event e = events[i];
            if (e != null && !e.refresh()) {
                String eventKey = e.node().key();
                boolean ok = eventKey.equals(key) || (recursive && eventKey.startsWith(prefix));
                if ((e.action().equals(V2Event.DELETE) || e.action().equals(V2Event.EXPIRE))
                        && e.prevNode().isPresent() && e.prevNode().get().dir()) {
                    ok = ok || key.startsWith(e.prevNode().get().key());
                }
                if (ok) {
                    return Optional.of(e);
                }
            }
            i = (i + 1) % events.length;
            if (i == back) {
                return Optional.empty();
            }
        }
    }
}
