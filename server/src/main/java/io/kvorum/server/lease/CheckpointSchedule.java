package io.kvorum.server.lease;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * When the primary next checkpoints each lease, as etcd's {@code leaseCheckpointHeap}: soonest
 * first, at most one entry per lease (a lease scheduled again keeps its earlier time), so the
 * schedule never holds more entries than there are leases.
 *
 * <p><b>Threads.</b> The apply thread schedules (a grant, an applied checkpoint), the lessor's
 * timer schedules (a promotion) and takes what is due; every method is guarded by {@code this}.
 */
final class CheckpointSchedule {
    private record Due(long id, long at) {
    }

    private final PriorityQueue<Due> queue = new PriorityQueue<>((a, b) -> Long.compare(a.at(), b.at()));
    private final Map<Long, Long> scheduled = new HashMap<>();

    /** Checkpoints lease {@code id} at {@code at} (nanoseconds), unless it is due sooner already. */
    synchronized void schedule(long id, long at) {
        Long earlier = scheduled.putIfAbsent(id, at);
        if (earlier == null) {
            queue.add(new Due(id, at));
        }
    }

    /** Removes and returns the ids due at {@code now}, soonest first, at most {@code max}. */
    synchronized List<Long> takeDue(long now, int max) {
        List<Long> due = new ArrayList<>();
        while (due.size() < max && !queue.isEmpty() && queue.peek().at() - now <= 0) {
            Due next = queue.poll();
            scheduled.remove(next.id());
            due.add(next.id());
        }
        return due;
    }

    /** Forgets everything: this member stopped leading. */
    synchronized void clear() {
        queue.clear();
        scheduled.clear();
    }

    synchronized int size() {
        return queue.size();
    }
}
