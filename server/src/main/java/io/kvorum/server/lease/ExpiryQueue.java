package io.kvorum.server.lease;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * When the primary next looks at each lease, soonest first, as etcd's {@code LeaseQueue}: at its
 * expiry or earlier, or, once its revoke is proposed, when that proposal would be retried. The
 * expiry check then costs the leases that are due, not every lease. A renewal that pushes an expiry
 * later leaves the entry where it is (the check queues the lease again at its new expiry when the
 * old time comes), so keepalives rarely touch the queue; one that brings it earlier moves the entry.
 * There is one entry per lease, however often clients renew.
 *
 * <p><b>Threads.</b> Renewals (any thread), the apply thread (grants, revokes) and the lessor's
 * timer (expiry checks, promotion) all use it; every method is guarded by {@code this}.
 */
final class ExpiryQueue {
    private static final class Due implements Comparable<Due> {
        final long id;
        long at;

        Due(long id, long at) {
            this.id = id;
            this.at = at;
        }

        @Override
        public int compareTo(Due other) {
            int byTime = Long.compare(at, other.at);
            return byTime != 0 ? byTime : Long.compare(id, other.id);
        }
    }

    private final TreeSet<Due> queue = new TreeSet<>();
    private final Map<Long, Due> byId = new HashMap<>();

    /** Looks at lease {@code id} at {@code at} (nanoseconds), instead of when it was due before. */
    synchronized void schedule(long id, long at) {
        Due due = byId.get(id);
        if (due == null) {
            due = new Due(id, at);
            byId.put(id, due);
        } else {
            queue.remove(due);
            due.at = at;
        }
        queue.add(due);
    }

    /** Forgets lease {@code id}: it was revoked. */
    synchronized void remove(long id) {
        Due due = byId.remove(id);
        if (due != null) {
            queue.remove(due);
        }
    }

    /** Removes and returns the soonest lease due at {@code now}; empty when none is due. */
    synchronized OptionalLong pollDue(long now) {
        if (queue.isEmpty() || queue.first().at > now) {
            return OptionalLong.empty();
        }
        Due due = queue.pollFirst();
        byId.remove(due.id);
        return OptionalLong.of(due.id);
    }

    /** Forgets every lease: this member stopped leading (or is about to restart every clock). */
    synchronized void clear() {
        queue.clear();
        byId.clear();
    }

    synchronized int size() {
        return queue.size();
    }
}
