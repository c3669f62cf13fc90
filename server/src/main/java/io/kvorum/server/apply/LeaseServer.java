package io.kvorum.server.apply;

import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantResponse;
import io.kvorum.api.etcdserverpb.LeaseLeasesResponse;
import io.kvorum.api.etcdserverpb.LeaseRevokeRequest;
import io.kvorum.api.etcdserverpb.LeaseRevokeResponse;
import io.kvorum.api.etcdserverpb.LeaseStatus;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.lease.Lease;
import io.kvorum.server.lease.Lessor;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lease requests of one member. Grants and revokes go through consensus; renewals and
 * time-to-live answers come from the {@link Lessor}'s clocks on the member that leads, with no
 * log entry, so keepalives never load the apply loop. A timer thread expires leases (proposing
 * their revokes, at most {@link #REVOKES_PER_SECOND} a second, as etcd) and follows leadership:
 * the member that becomes leader starts the clocks, one that stops leading stops them.
 */
public final class LeaseServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseServer.class);
    /** etcd's leaseRevokeRate. */
    static final int REVOKES_PER_SECOND = 1000;
    /** How often expiry is checked (etcd: every 500 ms). */
    private static final long TICK_MILLIS = 500;

    private final KvServer kv;
    private final Lessor lessor;
    private final Consensus consensus;
    private final long electionTimeoutNanos;
    private final RequestIds leaseIds;
    private final ScheduledExecutorService timer;

    public LeaseServer(KvServer kv, Lessor lessor, Consensus consensus, long electionTimeoutMillis, long memberId) {
        this.kv = kv;
        this.lessor = lessor;
        this.consensus = consensus;
        this.electionTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(electionTimeoutMillis);
        this.leaseIds = new RequestIds(memberId, System.currentTimeMillis());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvorum-lessor");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts following leadership and expiring leases; call once consensus has started. */
    public void start() {
        followLeadership();
        timer.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest r) {
        if (r.getTTL() > Lessor.MAX_TTL_SECONDS) {
            return CompletableFuture.failedFuture(new EtcdException(EtcdError.LEASE_TTL_TOO_LARGE));
        }
        LeaseGrantRequest.Builder request = r.toBuilder();
        while (request.getID() == 0) {
            // etcd picks ids from its request id generator, kept positive
            request.setID(leaseIds.next() & Long.MAX_VALUE);
        }
        return kv.propose(InternalRaftRequest.newBuilder().setLeaseGrant(request)).thenApply(LeaseGrantResponse.class::cast);
    }

    public CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest r) {
        return kv.propose(InternalRaftRequest.newBuilder().setLeaseRevoke(r)).thenApply(LeaseRevokeResponse.class::cast);
    }

    /**
     * Renews a lease.
     *
     * @return the granted TTL, or 0 for a lease that does not exist (or expired before this
     *         renewal), which is what etcd sends a keepalive for it
     */
    public CompletableFuture<Long> renew(long id) {
        if (!lessor.isPrimary()) {
            return CompletableFuture.failedFuture(new EtcdException(EtcdError.NOT_LEADER));
        }
        return lessor.renew(id)
                .orTimeout(KvServer.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(ttl -> ttl < 0 ? 0 : ttl);
    }

    /** etcd's answer: remaining whole seconds, the granted TTL, and the keys if asked; TTL -1 for an unknown lease. */
    public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r) {
        if (!lessor.isPrimary()) {
            return CompletableFuture.failedFuture(new EtcdException(EtcdError.NOT_LEADER));
        }
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
            for (Lease lease : expired) {
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

    private void followLeadership() {
        ConsensusStatus s = consensus.status();
        boolean leads = s.leaderId() != 0 && s.leaderId() == s.memberId();
        if (leads && !lessor.isPrimary()) {
            lessor.promote(electionTimeoutNanos);
        } else if (!leads && lessor.isPrimary()) {
            lessor.demote();
        }
    }
}
