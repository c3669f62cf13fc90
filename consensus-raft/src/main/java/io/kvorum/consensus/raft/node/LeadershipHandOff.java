package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.StateRole;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A leader that stops hands leadership to a peer first, as etcd's {@code EtcdServer.Stop} does,
 * so that the others have a leader at once instead of after an election timeout. The transferee
 * is the voter with the longest log among those heard from within the last election timeout and
 * not reported unreachable since (etcd takes the longest-connected voter); the core brings it up
 * to date before it tells it to campaign, so no committed entry is lost. A member that does not
 * lead, or is the only voter, stops at once; the hand-off never holds the stop past the request
 * timeout, and ends early when the core gives the transfer up (after an election timeout).
 *
 * <p><b>Threads.</b> Owned by the driver thread: every method but {@link #beforeStop} runs on it.
 */
final class LeadershipHandOff {
    private static final System.Logger LOG = System.getLogger(LeadershipHandOff.class.getName());

    private final RaftNode node;
    /** The tick each peer was last heard from. */
    private final Map<Long, Long> heard = new HashMap<>();
    /** The tick each peer was last reported unreachable. */
    private final Map<Long, Long> unreachable = new HashMap<>();
    /** The stop's transfer in progress, if any. */
    private Transfer running;
    /** Leadership transfers this member started as it stopped and saw finish (tests read it). */
    volatile int completed;

    private record Transfer(long target, long startNanos, CompletableFuture<Void> done) {
    }

    LeadershipHandOff(RaftNode node) {
        this.node = node;
    }

    void heardFrom(long peer) {
        heard.put(peer, node.ticks);
    }

    void unreachable(long peer) {
        unreachable.put(peer, node.ticks);
    }

    /**
     * Any thread but the driver: when this member leads, hands leadership over and waits until
     * the transferee leads, the core gives up, or {@code timeout} passes. Never throws; a failed
     * hand-off is logged, and the member stops anyway.
     */
    void beforeStop(Duration timeout) {
        CompletableFuture<Void> done = node.queue.call(this::start);
        try {
            done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed("interrupted");
        } catch (TimeoutException e) {
            failed(EtcdErrors.transferTimeout().getMessage());
        } catch (ExecutionException e) {
            failed(e.getCause().getMessage());
        }
    }

    private void failed(String error) {
        LOG.log(Level.WARNING, "leadership transfer failed", Map.entry("local-member-id", RaftNode.hex(node.memberId)),
                Map.entry("error", error));
    }

    /** On the driver: picks the transferee and asks the core to hand over; {@code done} completes when it leads. */
    private void start(CompletableFuture<Void> done) {
        String self = RaftNode.hex(node.memberId);
        if (node.removed || !node.isLeader()) {
            LOG.log(Level.INFO, "skipped leadership transfer; local server is not leader",
                    Map.entry("local-member-id", self), Map.entry("current-leader-member-id", RaftNode.hex(node.leaderId)));
            done.complete(null);
            return;
        }
        List<Long> voters = node.raw.confState().voters();
        if (voters.stream().noneMatch(id -> id != node.memberId)) {
            LOG.log(Level.INFO, "skipped leadership transfer for single voting member cluster",
                    Map.entry("local-member-id", self), Map.entry("current-leader-member-id", self));
            done.complete(null);
            return;
        }
        long target = transferee(voters);
        if (target == 0) {
            done.completeExceptionally(new IllegalStateException("etcdserver: unhealthy cluster")); // etcd's ErrUnhealthy
            return;
        }
        LOG.log(Level.INFO, "leadership transfer starting", Map.entry("local-member-id", self),
                Map.entry("current-leader-member-id", self), Map.entry("transferee-member-id", RaftNode.hex(target)));
        running = new Transfer(target, node.driving.nanoTime(), done);
        node.raw.transferLeader(target);
    }

    /**
     * The voter (not this member) heard from within the last election timeout and not reported
     * unreachable since, whose log matches this leader's furthest; 0 when there is none.
     */
    private long transferee(List<Long> voters) {
        Map<Long, Long> match = node.raw.matchIndexes();
        long since = node.ticks - node.options.electionTick();
        long best = 0;
        long bestMatch = -1;
        for (long id : voters) {
            Long last = heard.get(id);
            if (id == node.memberId || last == null || last < since || unreachable.getOrDefault(id, Long.MIN_VALUE) > last) {
                continue;
            }
            long m = match.getOrDefault(id, 0L);
            if (m > bestMatch || (m == bestMatch && id < best)) {
                best = id;
                bestMatch = m;
            }
        }
        return best;
    }

    /** On the driver, after each step: the transfer ends once the transferee leads, or fails once the core gave up. */
    void check() {
        Transfer t = running;
        if (t == null) {
            return;
        }
        if (node.leaderId == t.target()) {
            running = null;
            completed++;
            Duration took = Duration.ofNanos(node.driving.nanoTime() - t.startNanos());
            LOG.log(Level.INFO, "leadership transfer finished", Map.entry("local-member-id", RaftNode.hex(node.memberId)),
                    Map.entry("old-leader-member-id", RaftNode.hex(node.memberId)),
                    Map.entry("new-leader-member-id", RaftNode.hex(t.target())), Map.entry("took", took));
            t.done().complete(null);
        } else if (node.raw.status().softState().role() == StateRole.LEADER && node.raw.status().leadTransferee() == 0) {
            running = null;
            t.done().completeExceptionally(EtcdErrors.transferTimeout());
        } else if (node.raw.status().softState().role() != StateRole.LEADER && node.leaderId != 0) {
            running = null;
            t.done().completeExceptionally(EtcdErrors.leaderChanged());
        }
    }
}
