package io.kvorum.server.alarm;

import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's space quota ({@code --quota-backend-bytes}): a request that grows the store (a put, a
 * txn that puts, a lease grant) fits while the backend's size on disk plus an estimate of the
 * request's cost stays below the quota. The size is the backend's {@code size()}, the space it
 * occupies (etcd's bbolt file size), not the bytes in use: space freed by a compaction counts
 * again only after a defragmentation gives it back.
 *
 * <p>Checked twice, as etcd does: before proposing (a request that does not fit raises NOSPACE
 * and fails) and while applying (a request that no longer fits is applied, then answered with
 * the NOSPACE error and the alarm raised). Threads: any; the size is read from the backend.
 */
public final class BackendQuota {
    private static final Logger LOG = LoggerFactory.getLogger(BackendQuota.class);

    /** etcd's default quota: 2 GiB. */
    public static final long DEFAULT_BYTES = 2L * 1024 * 1024 * 1024;
    /** The largest quota etcd recommends: 8 GiB; above it, a warning. */
    public static final long MAX_BYTES = 8L * 1024 * 1024 * 1024;
    /** etcd's estimate of what storing a lease costs. */
    static final int LEASE_OVERHEAD = 64;
    /** etcd's estimate of what a key's metadata costs. */
    static final int KV_OVERHEAD = 256;

    /** The quota in bytes; negative: no quota. */
    private final long maxBytes;
    private final LongSupplier size;

    private BackendQuota(long maxBytes, LongSupplier size) {
        this.maxBytes = maxBytes;
        this.size = size;
    }

    /** The name etcd logs its quota under (the v3 applier's). */
    private static final String QUOTA_NAME = "v3-applier";

    /**
     * The quota {@code --quota-backend-bytes} configures, as etcd reads it: 0 is the default
     * (2 GiB), a negative value disables the quota, more than 8 GiB is allowed with a warning.
     *
     * @param size the backend's size on disk, in bytes
     */
    public static BackendQuota of(long configuredBytes, LongSupplier size) {
        if (configuredBytes < 0) {
            LOG.atInfo().setMessage("disabled backend quota").addKeyValue("quota-name", QUOTA_NAME)
                    .addKeyValue("quota-size-bytes", configuredBytes).log();
            return new BackendQuota(-1, size);
        }
        if (configuredBytes == 0) {
            LOG.atInfo().setMessage("enabled backend quota with default value").addKeyValue("quota-name", QUOTA_NAME)
                    .addKeyValue("quota-size-bytes", DEFAULT_BYTES).log();
            return new BackendQuota(DEFAULT_BYTES, size);
        }
        if (configuredBytes > MAX_BYTES) {
            LOG.atWarn().setMessage("quota exceeds the maximum value").addKeyValue("quota-name", QUOTA_NAME)
                    .addKeyValue("quota-size-bytes", configuredBytes).addKeyValue("quota-maximum-size-bytes", MAX_BYTES).log();
        }
        LOG.atInfo().setMessage("enabled backend quota").addKeyValue("quota-name", QUOTA_NAME)
                .addKeyValue("quota-size-bytes", configuredBytes).log();
        return new BackendQuota(configuredBytes, size);
    }

    /** No quota: every request fits. */
    public static BackendQuota disabled() {
        return new BackendQuota(-1, () -> 0);
    }

    /** The quota in bytes, or a negative number when there is none. */
    public long bytes() {
        return maxBytes;
    }

    /** The backend's size on disk now, in bytes. */
    public long backendSize() {
        return size.getAsLong();
    }

    /** Whether {@code r} fits, with the backend's size read now. */
    public boolean available(InternalRaftRequest r) {
        return available(r, size);
    }

    /**
     * Whether {@code r} fits, with the backend's size from {@code size} (read only if {@code r}
     * costs anything): a request that costs nothing always fits.
     */
    public boolean available(InternalRaftRequest r, LongSupplier size) {
        if (maxBytes < 0) {
            return true;
        }
        int cost = cost(r);
        return cost == 0 || size.getAsLong() + cost < maxBytes;
    }

    /**
     * etcd's estimate of what {@code r} adds to the store: key, value and 256 bytes per put (for a
     * txn, the larger of its two branches' puts, not counting nested txns), 64 bytes per lease
     * grant; nothing for anything else.
     */
    public static int cost(InternalRaftRequest r) {
        if (r.hasPut()) {
            return cost(r.getPut());
        }
        if (r.hasTxn()) {
            return cost(r.getTxn());
        }
        if (r.hasLeaseGrant()) {
            return LEASE_OVERHEAD;
        }
        return 0;
    }

    private static int cost(PutRequest p) {
        return KV_OVERHEAD + p.getKey().size() + p.getValue().size();
    }

    private static int cost(TxnRequest t) {
        return Math.max(cost(t.getSuccessList()), cost(t.getFailureList()));
    }

    private static int cost(List<RequestOp> branch) {
        int sum = 0;
        for (RequestOp op : branch) {
            if (op.hasRequestPut()) {
                sum += cost(op.getRequestPut());
            }
        }
        return sum;
    }
}
