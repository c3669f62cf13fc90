package io.kvorum.server.request;

import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.LeaseCheckpointRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantResponse;
import io.kvorum.api.etcdserverpb.LeaseLeasesResponse;
import io.kvorum.api.etcdserverpb.LeaseRevokeRequest;
import io.kvorum.api.etcdserverpb.LeaseRevokeResponse;
import io.kvorum.api.etcdserverpb.LeaseStatus;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.server.auth.AuthInfo;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.lease.Lease;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.forward.LeaderClient;
import io.kvorum.server.forward.MemberChannels;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lease requests of one member. Grants and revokes go through consensus; renewals and
 * time-to-live answers come from the {@link Lessor}'s clocks on the member that leads, with no
 * log entry, so keepalives never load the apply loop; a member that does not lead forwards them
 * to the leader ({@link LeaderClient}). A timer thread expires leases (proposing
 * their revokes, at most {@link #REVOKES_PER_SECOND} a second, as etcd) and follows leadership:
 * the member that becomes leader starts the clocks, one that stops leading stops them. With lease
 * checkpoints on, the same timer proposes the checkpoints that are due (see {@link Lessor}).
 */
public final class LeaseRequests implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseRequests.class);
    /** etcd's leaseRevokeRate. */
    static final int REVOKES_PER_SECOND = 1000;
    /** How often expiry is checked (etcd: every 500 ms). */
    private static final long TICK_MILLIS = 500;
    /** etcd's pause between two attempts to reach the leader. */
    private static final long RETRY_MILLIS = 50;
    /**
     * How long one forwarded attempt may take before it is given up and made again (on a new
     * stream), so that one lost answer does not use up the whole request timeout.
     */
    private static final long FORWARD_ATTEMPT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final KvRequests kv;
    private final Lessor lessor;
    private final Consensus consensus;
    private final long electionTimeoutNanos;
    private final RequestIds leaseIds;
    private final ScheduledExecutorService timer;
    private final LeaderClient leader;

    public LeaseRequests(KvRequests kv, Lessor lessor, Consensus consensus, long electionTimeoutMillis, long memberId,
                       MemberChannels channels) {
        this.kv = kv;
        this.lessor = lessor;
        this.consensus = consensus;
        this.electionTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(electionTimeoutMillis);
        this.leaseIds = new RequestIds(memberId, System.currentTimeMillis());
        this.leader = new LeaderClient(consensus, KvRequests.REQUEST_TIMEOUT.toMillis(), channels);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvorum-lessor");
            t.setDaemon(true);
            return t;
        });
        lessor.checkpointTo(this::checkpoint);
    }

    /** Proposes lease checkpoints, as etcd's checkpointer; completes once applied. */
    private CompletableFuture<Object> checkpoint(LeaseCheckpointRequest r) {
        return kv.propose(InternalRaftRequest.newBuilder().setLeaseCheckpoint(r));
    }

    /** Starts following leadership and expiring leases; call once consensus has started. */
    public void start() {
        followLeadership();
        timer.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        leader.close();
    }

    public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest r) {
        return grant(r, AuthInfo.SERVER);
    }

    /** A grant by {@code who}; as etcd, granting a lease needs no permission. */
    public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest r, AuthInfo who) {
        if (r.getTTL() > Lessor.MAX_TTL_SECONDS) {
            return CompletableFuture.failedFuture(new EtcdException(EtcdError.LEASE_TTL_TOO_LARGE));
        }
        // A member elected since the last tick starts its lease clocks now, so the lease granted
        // next counts down from its TTL rather than getting the promotion's extra time.
        followLeadership();
        LeaseGrantRequest.Builder request = r.toBuilder();
        while (request.getID() == 0) {
            // etcd picks ids from its request id generator, kept positive
            request.setID(leaseIds.next() & Long.MAX_VALUE);
        }
        return kv.proposeWithinQuota(InternalRaftRequest.newBuilder().setLeaseGrant(request), who).thenApply(LeaseGrantResponse.class::cast);
    }

    /** A revoke by the server itself (expiry). */
    public CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest r) {
        return revoke(r, AuthInfo.SERVER);
    }

    /** A revoke by {@code who}, who needs write permission on every key of the lease (checked where it is applied). */
    public CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest r, AuthInfo who) {
        return kv.propose(InternalRaftRequest.newBuilder().setLeaseRevoke(r), who).thenApply(LeaseRevokeResponse.class::cast);
    }

    /**
     * Renews a lease.
     *
     * @return the granted TTL, or 0 for a lease that does not exist (or expired before this
     *         renewal), which is what etcd sends a keepalive for it
     */
    public CompletableFuture<Long> renew(long id) {
        return onLeader(() -> lessor.renew(id)
                        .orTimeout(KvRequests.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .thenApply(ttl -> ttl < 0 ? 0 : ttl),
                () -> leader.keepAlive(id));
    }

    /**
     * etcd's answer: remaining whole seconds, the granted TTL, and the keys if asked; TTL -1 for
     * an unknown lease. The header is left for the edge to fill with this member's.
     */
    public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r) {
        return onLeader(() -> localTimeToLive(r),
                () -> leader.timeToLive(r).thenApply(resp -> resp.toBuilder().setHeader(ResponseHeader.getDefaultInstance()).build()));
    }

    /**
     * Answers from this member's lease clocks while it leads; otherwise asks the leader, as etcd
     * does: again every {@link #RETRY_MILLIS} while there is no leader or the leader cannot be
     * reached, for at most the request timeout, after which it fails as etcd does (no leader, or
     * request timed out).
     */
    private <T> CompletableFuture<T> onLeader(Supplier<CompletableFuture<T>> local, Supplier<CompletableFuture<T>> forwarded) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(local, forwarded, System.nanoTime() + KvRequests.REQUEST_TIMEOUT.toNanos(), null, result);
        return result;
    }

    private <T> void attempt(Supplier<CompletableFuture<T>> local, Supplier<CompletableFuture<T>> forwarded,
                             long deadline, Throwable last, CompletableFuture<T> result) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            result.completeExceptionally(new EtcdException(reason(last) == ConsensusException.Reason.NO_LEADER
                    ? EtcdError.NO_LEADER : EtcdError.TIMEOUT));
            return;
        }
        if (followLeadership()) {
            local.get().whenComplete((value, failure) -> complete(result, value, failure));
            return;
        }
        CompletableFuture<T> answer;
        try {
            answer = forwarded.get();
        } catch (RuntimeException | LinkageError e) {
            // A client library that cannot load is a failed attempt with its reason, which the
            // client sees at the request timeout, not a call that ends with an empty error.
            answer = CompletableFuture.failedFuture(e);
        }
        answer.orTimeout(Math.min(remaining, FORWARD_ATTEMPT_NANOS), TimeUnit.NANOSECONDS).whenComplete((value, failure) -> {
            if (failure == null) {
                result.complete(value);
                return;
            }
            try {
                timer.schedule(() -> attempt(local, forwarded, deadline, failure, result), RETRY_MILLIS,
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopped) {
                result.completeExceptionally(new EtcdException(EtcdError.STOPPED));
            }
        });
    }

    private static <T> void complete(CompletableFuture<T> result, T value, Throwable failure) {
        if (failure != null) {
            result.completeExceptionally(failure);
        } else {
            result.complete(value);
        }
    }

    private static ConsensusException.Reason reason(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof ConsensusException e ? e.reason() : null;
    }

    private CompletableFuture<LeaseTimeToLiveResponse> localTimeToLive(LeaseTimeToLiveRequest r) {
        Lease lease = lessor.get(r.getID());
        LeaseTimeToLiveResponse.Builder resp = LeaseTimeToLiveResponse.newBuilder()
                .setHeader(ResponseHeader.getDefaultInstance()).setID(r.getID());
        if (lease == null) {
            return CompletableFuture.completedFuture(resp.setTTL(-1).build());
        }
        resp.setTTL(lease.remainingSeconds(lessor.nanoTime())).setGrantedTTL(lease.ttl());
        if (r.getKeys()) {
            resp.addAllKeys(lease.sortedKeys());
        }
        return CompletableFuture.completedFuture(resp.build());
    }

    public LeaseLeasesResponse leases() {
        LeaseLeasesResponse.Builder resp = LeaseLeasesResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance());
        for (Lease lease : lessor.leases()) {
            resp.addLeases(LeaseStatus.newBuilder().setID(lease.id()));
        }
        return resp.build();
    }

    private void tick() {
        try {
            followLeadership();
            List<Lease> expired = lessor.takeExpired((int) (REVOKES_PER_SECOND * TICK_MILLIS / 1000));
            lessor.proposeDueCheckpoints();
            for (Lease lease : expired) {
                kv.metrics().leaseExpired.inc();
                revoke(LeaseRevokeRequest.newBuilder().setID(lease.id()).build()).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        // proposed again after the retry delay if the lease is still there
                        LOG.debug("revoking expired lease {} failed", Long.toHexString(lease.id()), failure);
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.error("lease expiry check failed", e);
        }
    }

    /**
     * Starts or stops the lease clocks as this member starts or stops leading, and says whether
     * it leads. Called by the timer and by each renewal, so a member that was just elected
     * answers at once rather than at its next tick. Only a change takes the lock, which keeps two
     * callers from promoting twice; the common case (nothing changed) is one status read.
     */
    private boolean followLeadership() {
        boolean leads = leads();
        if (leads != lessor.isPrimary()) {
            synchronized (this) {
                leads = leads();
                if (leads && !lessor.isPrimary()) {
                    lessor.promote(electionTimeoutNanos);
                } else if (!leads && lessor.isPrimary()) {
                    lessor.demote();
                }
            }
        }
        return leads;
    }

    private boolean leads() {
        ConsensusStatus s = consensus.status();
        return s.leaderId() != 0 && s.leaderId() == s.memberId();
    }
}
