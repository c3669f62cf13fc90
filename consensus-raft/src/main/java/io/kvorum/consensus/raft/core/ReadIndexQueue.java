package io.kvorum.consensus.raft.core;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The leader's pending linearizable reads (etcd's readOnly, safe mode). Each request is recorded
 * with the commit index at its arrival; it may be answered with that index once a quorum has
 * acknowledged a heartbeat sent after it arrived, proving no newer leader had committed more.
 *
 * <p>Requests are confirmed in arrival order: a quorum acknowledging a heartbeat that carries one
 * request's context confirms every request queued before it too, so one round serves a batch.
 */
final class ReadIndexQueue {

    /** A request waiting for its heartbeat round. */
    record Pending(long index, Message request, Set<Long> acks) {
    }

    private final Map<ByteBuffer, Pending> pending = new HashMap<>();
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();

    /** Queues a request; a repeated context is the same request and is ignored. */
    void add(long commitIndex, Message request) {
        ByteBuffer key = ByteBuffer.wrap(request.context());
        if (pending.containsKey(key)) {
            return;
        }
        pending.put(key, new Pending(commitIndex, request, new HashSet<>()));
        queue.addLast(key);
    }

    /** Records that {@code member} acknowledged the heartbeat carrying {@code context}; returns who has so far. */
    Set<Long> ack(long member, byte[] context) {
        Pending p = pending.get(ByteBuffer.wrap(context));
        if (p == null) {
            return Set.of();
        }
        p.acks().add(member);
        return p.acks();
    }

    /** Releases the request with {@code context} and every request queued before it. */
    List<Pending> release(byte[] context) {
        ByteBuffer key = ByteBuffer.wrap(context);
        if (!pending.containsKey(key)) {
            return List.of();
        }
        List<Pending> released = new ArrayList<>();
        while (!queue.isEmpty()) {
            ByteBuffer head = queue.removeFirst();
            released.add(pending.remove(head));
            if (head.equals(key)) {
                break;
            }
        }
        return released;
    }

    /** The context of the newest request: a heartbeat carrying it confirms the whole queue. */
    byte[] lastContext() {
        ByteBuffer last = queue.peekLast();
        return last == null ? new byte[0] : last.array();
    }

    void clear() {
        pending.clear();
        queue.clear();
    }
}
