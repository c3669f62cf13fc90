package io.kvorum.server.request;

import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.metrics.Counter;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tells waiting requests that this member saw a new leader, as etcd's leader-changed notifier
 * does: a linearizable read still waiting for its read index then fails with
 * {@code etcdserver: leader changed}, which clients retry. The consensus SPI reports leadership
 * only through {@link Consensus#status()}, so a timer thread looks once per heartbeat interval.
 * A new leader is one that is not none and differs from the leader seen last (losing a leader
 * and finding the same one again counts, as in etcd).
 */
public final class LeaderChanges implements AutoCloseable {
    private final Consensus consensus;
    private final long electionTimeoutNanos;
    private final ScheduledExecutorService timer;
    /** When a new leader was last seen ({@link System#nanoTime}); 0 before the first. */
    private volatile long newLeaderSeen;
    /** Written by the timer thread only. */
    private long lastLeader;
    /** Requests to fail when a new leader is seen; each leaves the set when it completes. */
    private final Set<CompletableFuture<?>> waiting = ConcurrentHashMap.newKeySet();

    /** Counts each new leader seen ({@code etcd_server_leader_changes_seen_total}). */
    private final Counter seen;

    public LeaderChanges(Consensus consensus, Duration electionTimeout) {
        this(consensus, electionTimeout, amount -> { });
    }

    public LeaderChanges(Consensus consensus, Duration electionTimeout, Counter seen) {
        this.consensus = consensus;
        this.seen = seen;
        this.electionTimeoutNanos = electionTimeout.toNanos();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvorum-leader-changes");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts looking; call once consensus has started. */
    public void start(Duration interval) {
        lastLeader = consensus.status().leaderId();
        if (lastLeader != 0) {
            seen.inc(); // etcd counts the first leader too: a change from none
        }
        timer.scheduleWithFixedDelay(this::look, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * etcd's test for a request that timed out because the previous leader failed: it started
     * before the current leader was seen, and less than two election timeouts before.
     */
    public boolean newLeaderSoonAfter(long startNanos) {
        long seen = newLeaderSeen;
        return seen != 0 && startNanos - seen < 0 && startNanos - (seen - 2 * electionTimeoutNanos) > 0;
    }

    /** Fails {@code request} with {@code etcdserver: leader changed} if a new leader is seen before it completes. */
    public <T> CompletableFuture<T> failOnNewLeader(CompletableFuture<T> request) {
        waiting.add(request);
        request.whenComplete((v, failure) -> waiting.remove(request));
        return request;
    }

    private void look() {
        long leader = consensus.status().leaderId();
        boolean newLeader = leader != 0 && leader != lastLeader;
        lastLeader = leader;
        if (newLeader) {
            seen.inc();
            newLeaderSeen = System.nanoTime();
            for (CompletableFuture<?> request : waiting) {
                request.completeExceptionally(new EtcdException(EtcdError.LEADER_CHANGED));
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
