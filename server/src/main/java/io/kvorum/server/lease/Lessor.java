package io.kvorum.server.lease;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvorum.api.etcdserverpb.LeaseCheckpoint;
import io.kvorum.api.etcdserverpb.LeaseCheckpointRequest;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.server.metrics.ServerMetrics;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's leases, as etcd's lessor keeps them.
 *
 * <p>What every member agrees on comes from the log, on the apply thread: grants, revokes, and
 * which keys are attached to which lease (from the events of each write). Each lease is stored in
 * the {@code lease} bucket (id as 8 big-endian bytes, etcd's {@code leasepb.Lease} as value) in the
 * same commit as the entry that granted it, so a restart finds it again.
 *
 * <p>Time is not in the log: only the member that leads (the "primary") runs expiry clocks, and
 * renewals ({@link #renew}) only touch those clocks, never the log — keepalives cost the apply
 * loop nothing. An expired lease is revoked through consensus like any request, so every member
 * deletes the same keys at the same revision. A member that becomes primary restarts every clock
 * at the full TTL plus an election timeout, as etcd does without checkpoints, so a leader change
 * or restart never expires a lease early.
 *
 * <p>With {@link LeaseCheckpoints} on, the primary also writes its leases' remaining TTLs to the
 * log (etcd's {@code LeaseCheckpointRequest}) some time after each grant, promotion or checkpoint,
 * for every lease with more than the interval left; every member applies them
 * ({@link #checkpoint}), and a member that becomes primary starts each clock from its lease's
 * last checkpointed remaining TTL instead of the full TTL. A renewal clears a checkpoint through
 * the log before it restarts the clock at the full TTL.
 */
public final class Lessor {
    private static final Logger LOG = LoggerFactory.getLogger(Lessor.class);
    /** etcd's MaxLeaseTTL: larger TTLs are refused. */
    public static final long MAX_TTL_SECONDS = 9_000_000_000L;
    /** A proposed revoke not applied after this long is proposed again (it may have been lost). */
    private static final long REVOKE_RETRY_NANOS = 3_000_000_000L;
    /** etcd's maxLeaseCheckpointBatchSize: checkpoints per log entry. */
    static final int CHECKPOINT_BATCH = 1000;
    /** etcd's leaseCheckpointRate / 2: at most this many checkpoint entries a round. */
    static final int CHECKPOINT_BATCHES_PER_ROUND = 500;

    private final Map<Long, Lease> leases = new ConcurrentHashMap<>();
    /**
     * The lease each leased key names in its newest record (etcd's itemMap), so that a put detaches
     * the key from its old lease without reading its previous record. Apply thread only.
     */
    private final Map<ByteString, Long> leaseOfKey = new HashMap<>();
    private final long minTtlSeconds;
    private final LongSupplier nanoClock;
    private final LeaseCheckpoints checkpoints;
    private final CheckpointSchedule schedule = new CheckpointSchedule();
    /** The primary's leases by when to look at them next; empty on other members. */
    private final ExpiryQueue expiries = new ExpiryQueue();
    /** Proposes checkpoints; completes once applied (or failed). Null: checkpoints are off. */
    private volatile Function<LeaseCheckpointRequest, CompletableFuture<?>> checkpointer;
    private volatile boolean primary;
    private volatile ServerMetrics metrics = ServerMetrics.none();

    /**
     * A lessor without checkpoints.
     *
     * @param minTtlSeconds the shortest TTL granted; shorter requests are raised to it
     * @param nanoClock     {@link System#nanoTime}, or a test's clock
     */
    public Lessor(long minTtlSeconds, LongSupplier nanoClock) {
        this(minTtlSeconds, nanoClock, LeaseCheckpoints.disabled());
    }

    /** A lessor that checkpoints as {@code checkpoints} says, once given a {@link #checkpointTo checkpointer}. */
    public Lessor(long minTtlSeconds, LongSupplier nanoClock, LeaseCheckpoints checkpoints) {
        this.minTtlSeconds = minTtlSeconds;
        this.nanoClock = nanoClock;
        this.checkpoints = checkpoints;
    }

    /**
     * Where the primary's checkpoints go (through consensus); ignored when checkpoints are off.
     * The future completes once the request is applied, or failed. Call before {@link #promote}.
     */
    public void checkpointTo(Function<LeaseCheckpointRequest, CompletableFuture<?>> proposer) {
        checkpointer = checkpoints.enabled() ? proposer : null;
    }

    /** Records grants, revokes and renewals into {@code metrics} from now on. */
    public void recordInto(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * etcd's minimum lease TTL: one and a half election timeouts, in whole election ticks, rounded
     * up to whole seconds (2 s with the default 100 ms heartbeat and 1 s election timeout).
     */
    public static long minTtlSeconds(long heartbeatMillis, long electionTimeoutMillis) {
        long electionTicks = Math.max(1, electionTimeoutMillis / heartbeatMillis);
        long minMillis = (3 * electionTicks / 2) * heartbeatMillis;
        return (minMillis + 999) / 1000;
    }

    // ---- apply thread ----

    /**
     * Loads the leases kept in {@code store} and attaches the keys that name them. Every lease
     * starts with no clock; {@link #promote} starts them. Replaces whatever was here (a snapshot
     * restore calls it again).
     */
    public void recover(MvccStore store) {
        leases.clear();
        leaseOfKey.clear();
        expiries.clear();
        store.scanBucket(Bucket.LEASE, (key, value) -> {
            try {
                io.kvorum.api.leasepb.Lease stored = io.kvorum.api.leasepb.Lease.parseFrom(value);
                Lease lease = new Lease(stored.getID(), stored.getTTL());
                lease.checkpoint(stored.getRemainingTTL()); // 0 unless checkpoints were persisted
                leases.put(stored.getID(), lease);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("lease: unreadable record " + ByteString.copyFrom(key), e);
            }
            return true;
        });
        store.takeLeasedKeys().forEach((key, id) -> {
            leaseOfKey.put(key, id);
            Lease lease = leases.get(id);
            if (lease == null) {
                LOG.warn("key {} names lease {} which does not exist", key.toStringUtf8(), Long.toHexString(id));
            } else {
                lease.keys().add(key);
            }
        });
        if (primary) {
            promote(0);
        }
    }

    /** Whether the lease exists here. Any thread. */
    public boolean exists(long id) {
        return leases.containsKey(id);
    }

    /**
     * Grants a lease, stored with the next commit.
     *
     * @return the lease, or null when the id is taken
     */
    public Lease grant(MvccStore store, long id, long requestedTtl) {
        if (leases.containsKey(id)) {
            return null;
        }
        Lease lease = new Lease(id, Math.max(requestedTtl, minTtlSeconds));
        long now = nanoClock.getAsLong();
        leases.put(id, lease);
        if (primary) {
            expireAt(lease, now + lease.ttl() * 1_000_000_000L);
        }
        metrics.leaseGranted.inc();
        metrics.leaseTtl.observe(lease.ttl());
        store.stageBucketPut(Bucket.LEASE, bucketKey(id), record(lease));
        if (primary) {
            scheduleCheckpoint(lease, now);
        }
        return lease;
    }

    /**
     * Applies a checkpoint: the lease's remaining TTL, which a member that becomes primary starts
     * its clock from (0 clears it: the full TTL). Stored with the next commit when checkpoints
     * persist. The primary schedules the lease's next checkpoint. An unknown lease is skipped.
     */
    public void checkpoint(MvccStore store, long id, long remainingSeconds) {
        Lease lease = leases.get(id);
        if (lease == null) {
            return;
        }
        lease.checkpoint(remainingSeconds);
        if (checkpoints.persist()) {
            store.stageBucketPut(Bucket.LEASE, bucketKey(id), record(lease));
        }
        if (primary) {
            scheduleCheckpoint(lease, nanoClock.getAsLong());
        }
    }

    /**
     * Forgets a lease whose keys the caller has deleted; the removal is stored with the next
     * commit. Whoever waits on {@link Lease#revoked()} is told.
     */
    public void remove(MvccStore store, Lease lease) {
        if (leases.remove(lease.id()) != null) {
            metrics.leaseRevoked.inc();
        }
        expiries.remove(lease.id());
        store.stageBucketDelete(Bucket.LEASE, bucketKey(lease.id()));
        lease.markRevoked();
    }

    /**
     * Keeps the key-to-lease attachments in step with a write's events. The lease a key had comes
     * from this lessor's own map, not from the event: a PUT event carries no previous KeyValue.
     */
    public void apply(List<Event> events) {
        for (Event event : events) {
            KeyValue kv = event.getKv();
            long after = event.getType() == Event.EventType.PUT ? kv.getLease() : 0;
            Long had = after != 0 ? leaseOfKey.put(kv.getKey(), after) : leaseOfKey.remove(kv.getKey());
            long before = had == null ? 0 : had;
            if (before == after) {
                continue;
            }
            if (before != 0) {
                Lease old = leases.get(before);
                if (old != null) {
                    old.keys().remove(kv.getKey());
                }
            }
            if (after != 0) {
                Lease lease = leases.get(after);
                if (lease != null) {
                    lease.keys().add(kv.getKey());
                }
            }
        }
    }

    // ---- any thread ----

    public Lease get(long id) {
        return leases.get(id);
    }

    /** Every lease, soonest expiry first. */
    public List<Lease> leases() {
        List<Lease> all = new ArrayList<>(leases.values());
        all.sort(Comparator.comparingLong(Lease::expiry));
        return all;
    }

    /**
     * Renews a lease on the primary: its clock restarts at the full TTL.
     *
     * @return the granted TTL; -1 when the lease does not exist, or (once its revoke is applied)
     *         when it had already expired, as etcd answers a late keepalive
     */
    public CompletableFuture<Long> renew(long id) {
        Lease lease = leases.get(id);
        if (lease == null) {
            return CompletableFuture.completedFuture(-1L);
        }
        long now = nanoClock.getAsLong();
        if (primary && lease.expiry() <= now) {
            return lease.revoked().thenApply(v -> -1L);
        }
        Function<LeaseCheckpointRequest, CompletableFuture<?>> cp = checkpointer;
        if (primary && cp != null && lease.checkpointedTtl() > 0) {
            // As etcd: the checkpoint is cleared through the log first, so that a leader change
            // after this renewal does not bring the old remaining TTL back.
            return cp.apply(LeaseCheckpointRequest.newBuilder().addCheckpoints(LeaseCheckpoint.newBuilder()
                            .setID(id).setRemainingTTL(0)).build())
                    .handle((ok, failure) -> {
                        if (failure != null) {
                            LOG.debug("clearing the checkpoint of lease {} failed", Long.toHexString(id), failure);
                        }
                        return refresh(lease);
                    });
        }
        return CompletableFuture.completedFuture(refresh(lease));
    }

    private long refresh(Lease lease) {
        if (primary) {
            long before = lease.expiry();
            long expiry = nanoClock.getAsLong() + lease.ttl() * 1_000_000_000L;
            lease.expireAt(expiry);
            if (expiry < before) {
                // only an earlier expiry moves the queue; a later one is found when the old time comes
                expiries.schedule(lease.id(), expiry);
            }
            metrics.leaseRenewed.inc();
        }
        return lease.ttl();
    }

    /**
     * The expired leases whose revoke is not being proposed yet (or was proposed so long ago that
     * it seems lost), at most {@code max}, soonest expired first; each is looked at again after
     * three seconds in case its revoke gets lost. Only the primary has any. Costs
     * the leases due, not every lease ({@link ExpiryQueue}); a lease renewed since it was queued
     * is queued again at its new expiry.
     */
    public List<Lease> takeExpired(int max) {
        List<Lease> expired = new ArrayList<>();
        if (!primary) {
            return expired;
        }
        long now = nanoClock.getAsLong();
        while (expired.size() < max) {
            OptionalLong due = expiries.pollDue(now);
            if (due.isEmpty()) {
                break;
            }
            Lease lease = leases.get(due.getAsLong());
            if (lease == null) {
                continue;
            }
            long expiry = lease.expiry();
            if (expiry > now) {
                // renewed while this check ran; NEVER once demoted (a promotion schedules it again)
                if (expiry != Lease.NEVER) {
                    expiries.schedule(lease.id(), expiry);
                }
                continue;
            }
            expiries.schedule(lease.id(), now + REVOKE_RETRY_NANOS);
            expired.add(lease);
        }
        return expired;
    }

    /**
     * Proposes the checkpoints that are due, at most {@value #CHECKPOINT_BATCH} to an entry and
     * {@value #CHECKPOINT_BATCHES_PER_ROUND} entries a call (etcd's rate); only the primary, with
     * checkpoints on, has any. A lease is skipped when it expired or has its full TTL left.
     *
     * @return the number of checkpoints proposed
     */
    public int proposeDueCheckpoints() {
        Function<LeaseCheckpointRequest, CompletableFuture<?>> cp = checkpointer;
        int proposed = 0;
        for (int round = 0; round < CHECKPOINT_BATCHES_PER_ROUND && cp != null && primary; round++) {
            long now = nanoClock.getAsLong();
            List<Long> due = schedule.takeDue(now, CHECKPOINT_BATCH);
            LeaseCheckpointRequest.Builder batch = LeaseCheckpointRequest.newBuilder();
            for (long id : due) {
                Lease lease = leases.get(id);
                if (lease == null || lease.expiry() - now <= 0) {
                    continue;
                }
                long remaining = ceilSeconds(lease.expiry() - now);
                if (remaining >= lease.ttl()) {
                    continue;
                }
                batch.addCheckpoints(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(remaining));
            }
            if (batch.getCheckpointsCount() > 0) {
                proposed += batch.getCheckpointsCount();
                cp.apply(batch.build()).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        // a lease whose checkpoint is lost is checkpointed again after its next promotion
                        LOG.debug("proposing lease checkpoints failed", failure);
                    }
                });
            }
            if (due.size() < CHECKPOINT_BATCH) {
                break;
            }
        }
        return proposed;
    }

    /** The entries of the expiry queue: at most one per lease. */
    int queuedExpiries() {
        return expiries.size();
    }

    /** The leases waiting for their next checkpoint. */
    int scheduledCheckpoints() {
        return schedule.size();
    }

    public boolean isPrimary() {
        return primary;
    }

    /**
     * Makes this member the one that expires leases: every clock restarts at the lease's remaining
     * TTL (its last checkpoint's, or the full TTL) plus {@code extendNanos}.
     */
    public void promote(long extendNanos) {
        schedule.clear();
        expiries.clear();
        primary = true;
        long now = nanoClock.getAsLong();
        for (Lease lease : leases.values()) {
            expireAt(lease, now + lease.remainingTtl() * 1_000_000_000L + extendNanos);
            scheduleCheckpoint(lease, now);
        }
    }

    /** Stops expiring leases here: another member leads. */
    public void demote() {
        primary = false;
        for (Lease lease : leases.values()) {
            lease.expireAt(Lease.NEVER);
        }
        schedule.clear();
        expiries.clear();
    }

    /** Sets the lease's expiry and queues it to be looked at then. */
    private void expireAt(Lease lease, long nanos) {
        lease.expireAt(nanos);
        expiries.schedule(lease.id(), nanos);
    }

    /** etcd's scheduleCheckpointIfNeeded: only a lease with more than one interval left is checkpointed. */
    private void scheduleCheckpoint(Lease lease, long now) {
        if (checkpointer == null) {
            return;
        }
        if (lease.remainingTtl() > checkpoints.interval().toSeconds()) {
            schedule.schedule(lease.id(), now + checkpoints.interval().toNanos());
        }
    }

    private static long ceilSeconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }

    private static byte[] record(Lease lease) {
        return io.kvorum.api.leasepb.Lease.newBuilder().setID(lease.id()).setTTL(lease.ttl())
                .setRemainingTTL(lease.checkpointedTtl()).build().toByteArray();
    }

    public long nanoTime() {
        return nanoClock.getAsLong();
    }

    private static byte[] bucketKey(long id) {
        return ByteBuffer.allocate(Long.BYTES).putLong(id).array();
    }
}
