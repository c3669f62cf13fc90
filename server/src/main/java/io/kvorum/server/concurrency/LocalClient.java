package io.kvorum.server.concurrency;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.DeleteRangeResponse;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.request.LeaseRequests;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.watch.WatchHub;
import io.kvorum.server.watch.WatchStream;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What etcd's recipes ask of a client, answered by this member directly: KV requests, a lease
 * grant, and watches whose responses arrive as callbacks.
 */
final class LocalClient {
    /** The TTL etcd's concurrency session grants when the caller names no lease. */
    static final long SESSION_TTL_SECONDS = 60;

    private final KvRequests kv;
    private final LeaseRequests leases;
    private final WatchHub hub;

    LocalClient(KvRequests kv, LeaseRequests leases, WatchHub hub) {
        this.kv = kv;
        this.leases = leases;
        this.hub = hub;
    }

    /** The caller's lease, or a new one of {@link #SESSION_TTL_SECONDS} that nobody keeps alive (etcd's orphaned session). */
    CompletableFuture<Long> sessionLease(long lease) {
        if (lease != 0) {
            return CompletableFuture.completedFuture(lease);
        }
        return leases.grant(LeaseGrantRequest.newBuilder().setTTL(SESSION_TTL_SECONDS).build())
                .thenApply(r -> r.getID());
    }

    CompletableFuture<TxnResponse> txn(TxnRequest r) {
        return kv.txn(r);
    }

    CompletableFuture<RangeResponse> range(RangeRequest r) {
        return kv.range(r);
    }

    CompletableFuture<DeleteRangeResponse> delete(ByteString key) {
        return kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build());
    }

    /** The oldest key under {@code prefix} (etcd's WithFirstCreate). */
    static RangeRequest firstCreated(ByteString prefix) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix)).setLimit(1)
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.ASCEND).build();
    }

    /** The newest key under {@code prefix} created at or before {@code maxCreateRevision} (WithLastCreate, WithMaxCreateRev). */
    static RangeRequest lastCreatedUpTo(ByteString prefix, long maxCreateRevision) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix)).setLimit(1)
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.DESCEND)
                .setMaxCreateRevision(maxCreateRevision).build();
    }

    static Compare createRevisionIs(ByteString key, long revision) {
        return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(revision).build();
    }

    /** etcd's GetPrefixRangeEnd. */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if ((end[i] & 0xff) < 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0});
    }

    /** A session key: the prefix and the lease id in Go's {@code %x}. */
    static ByteString sessionKey(ByteString prefix, long lease) {
        return prefix.concat(ByteString.copyFromUtf8(Long.toString(lease, 16)));
    }

    /**
     * Watches {@code key} (and, with {@code rangeEnd}, its range) from {@code revision}; each
     * response goes to {@code onResponse} in order. Closing the returned watch ends it.
     */
    Watch watch(ByteString key, ByteString rangeEnd, long revision, Consumer<WatchResponse> onResponse) {
        WatchStream stream = hub.openStream(new WatchStream.Sink() {
            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void send(WatchResponse response) {
                onResponse.accept(response);
            }
        });
        stream.create(WatchCreateRequest.newBuilder().setKey(key).setRangeEnd(rangeEnd).setStartRevision(revision).build());
        return stream::close;
    }

    /** An open watch. */
    interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Completes when {@code key} is deleted at or after {@code revision} (etcd's waitDelete), or
     * fails when the watch is canceled (compaction) or {@code canceled} completes.
     */
    CompletableFuture<Void> waitDelete(ByteString key, long revision, CompletableFuture<Void> canceled) {
        CompletableFuture<Void> deleted = new CompletableFuture<>();
        Watch watch = watch(key, ByteString.EMPTY, revision, r -> {
            if (r.getCanceled()) {
                deleted.completeExceptionally(r.getCompactRevision() != 0
                        ? new EtcdException(EtcdError.COMPACTED)
                        : new IllegalStateException("lost watcher waiting for delete"));
            }
            for (Event e : r.getEventsList()) {
                if (e.getType() == Event.EventType.DELETE) {
                    deleted.complete(null);
                }
            }
        });
        canceled.whenComplete((v, t) -> deleted.completeExceptionally(new java.util.concurrent.CancellationException()));
        deleted.whenComplete((v, t) -> watch.close());
        return deleted;
    }

    /**
     * Completes once every key under {@code prefix} created at or before {@code maxCreateRevision}
     * is gone (etcd's waitDeletes), with the header of the read that found none.
     */
    CompletableFuture<RangeResponse> waitDeletes(ByteString prefix, long maxCreateRevision, CompletableFuture<Void> canceled) {
        return range(lastCreatedUpTo(prefix, maxCreateRevision)).thenCompose(resp -> {
            if (resp.getKvsCount() == 0) {
                return CompletableFuture.completedFuture(resp);
            }
            return waitDelete(resp.getKvs(0).getKey(), resp.getHeader().getRevision(), canceled)
                    .thenCompose(v -> waitDeletes(prefix, maxCreateRevision, canceled));
        });
    }
}
