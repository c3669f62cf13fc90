package io.kvorum.server.watch;

import java.util.HashMap;
import java.util.Map;

/**
 * A stream's watchers by watch id, and the next id to give, as etcd's watch stream keeps them. The
 * hub's thread is their one owner: it gives each new watcher its id, answers its cancel, and drops
 * them all when the stream closes, so no other thread needs to agree on which ids are in use.
 *
 * <p>A watcher canceled because its start revision was compacted keeps its id until the client
 * cancels it, as in etcd: the id is not given again, and its cancel is answered.
 */
final class StreamWatchers {
    private final Map<Long, Watcher> byId = new HashMap<>();
    private long nextId;

    /**
     * Gives {@code w} the id the client asked for, or the lowest free one from the last given on if
     * it asked for none (0).
     *
     * @return false if the id asked for is in use (the watcher is not added)
     */
    boolean add(long requested, Watcher w) {
        long id;
        if (requested == 0) {
            while (byId.containsKey(nextId)) {
                nextId++;
            }
            id = nextId++;
        } else if (byId.containsKey(requested)) {
            return false;
        } else {
            id = requested;
        }
        w.id = id;
        byId.put(id, w);
        return true;
    }

    /** Takes the watcher with {@code id} away; null if no watcher has it. */
    Watcher remove(long id) {
        return byId.remove(id);
    }

    /** Every watcher, including those canceled for compaction whose id the client still holds. */
    Iterable<Watcher> all() {
        return byId.values();
    }

    /** The watchers still delivering (not canceled for compaction). */
    int live() {
        int n = 0;
        for (Watcher w : byId.values()) {
            if (!w.removed) {
                n++;
            }
        }
        return n;
    }
}
