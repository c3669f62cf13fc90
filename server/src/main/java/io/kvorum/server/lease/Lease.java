package io.kvorum.server.lease;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One lease: its granted TTL, the remaining TTL of its last checkpoint, the keys attached to it,
 * and when it expires on this member. Only the apply thread changes the keys and the checkpointed
 * remaining TTL; the expiry is written by whoever renews it.
 */
public final class Lease {
    /** The expiry of a lease on a member that does not lead: it never expires there. */
    static final long NEVER = Long.MAX_VALUE;

    private final long id;
    private final long ttl;
    private final Set<ByteString> keys = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> revoked = new CompletableFuture<>();
    /** Seconds left at the last applied checkpoint; 0: none, the full TTL counts (etcd's remainingTTL). */
    private volatile long checkpointedTtl;
    /** System.nanoTime() at which the lease expires, or {@link #NEVER}. */
    private volatile long expiry = NEVER;

    Lease(long id, long ttl) {
        this.id = id;
        this.ttl = ttl;
    }

    public long id() {
        return id;
    }

    /** The granted TTL in seconds (after the minimum was applied). */
    public long ttl() {
        return ttl;
    }

    /**
     * The TTL a clock starts from when this member becomes primary: the remaining TTL of the last
     * checkpoint, or the granted TTL when there is none (etcd's {@code RemainingTTL()}).
     */
    public long remainingTtl() {
        long checkpointed = checkpointedTtl;
        return checkpointed > 0 ? checkpointed : ttl;
    }

    /** The remaining TTL of the last applied checkpoint; 0 when there is none or it was cleared. */
    long checkpointedTtl() {
        return checkpointedTtl;
    }

    void checkpoint(long remainingSeconds) {
        checkpointedTtl = remainingSeconds;
    }

    /** The attached keys, sorted by unsigned bytes: the order a revoke deletes them in, on every member. */
    public List<ByteString> sortedKeys() {
        List<ByteString> sorted = new ArrayList<>(keys);
        sorted.sort(ByteString.unsignedLexicographicalComparator());
        return sorted;
    }

    /** Completes when the lease is revoked on this member. */
    public CompletableFuture<Void> revoked() {
        return revoked;
    }

    /** Whole seconds left, truncated as etcd does; -1 never happens for a live lease on the leader. */
    public long remainingSeconds(long now) {
        long e = expiry;
        if (e == NEVER) {
            return remainingTtl();
        }
        return (e - now) / 1_000_000_000L;
    }

    Set<ByteString> keys() {
        return keys;
    }

    long expiry() {
        return expiry;
    }

    void expireAt(long nanos) {
        expiry = nanos;
    }

    void markRevoked() {
        revoked.complete(null);
    }
}
