package io.kvorum.server.watch;

import io.kvorum.api.mvccpb.Event;
import java.util.Arrays;

/**
 * One watcher of a stream: a key range, options, and the next revision it needs. Made by the
 * stream from the client's request, then owned by the hub's thread, which gives it its id.
 */
final class Watcher {
    /** Its watch id on its stream, given by the hub. */
    long id;
    final WatchStream stream;
    /** The first key. */
    final byte[] key;
    /** null: just {@link #key}; empty: every key from it on; else the end of [key, end). */
    final byte[] end;
    final boolean prevKv;
    final boolean progressNotify;
    final boolean fragment;
    final boolean noPut;
    final boolean noDelete;

    /** The lowest revision whose events this watcher has not been sent yet. */
    long nextRevision;
    boolean synced;
    boolean removed;
    /** Whether events went out since the last progress tick: etcd skips one notification then. */
    boolean sentSinceTick;

    Watcher(WatchStream stream, byte[] key, byte[] end, long nextRevision, boolean prevKv,
            boolean progressNotify, boolean fragment, boolean noPut, boolean noDelete) {
        this.stream = stream;
        this.key = key;
        this.end = end;
        this.nextRevision = nextRevision;
        this.prevKv = prevKv;
        this.progressNotify = progressNotify;
        this.fragment = fragment;
        this.noPut = noPut;
        this.noDelete = noDelete;
    }

    boolean isSingleKey() {
        return end == null;
    }

    boolean covers(byte[] k) {
        if (end == null) {
            return Arrays.equals(key, k);
        }
        return Arrays.compareUnsigned(k, key) >= 0 && (end.length == 0 || Arrays.compareUnsigned(k, end) < 0);
    }

    /** Whether the filters let the event through. */
    boolean wants(Event event) {
        return event.getType() == Event.EventType.PUT ? !noPut : !noDelete;
    }
}
