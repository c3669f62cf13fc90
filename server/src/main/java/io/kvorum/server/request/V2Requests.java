package io.kvorum.server.request;

import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.Request;
import io.kvorum.server.apply.Applier;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.v2.V2Error;
import io.kvorum.server.v2.V2Event;
import io.kvorum.server.v2.V2Store;
import io.kvorum.server.v2.V2Watcher;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The v2 requests of one member (etcd 3.4's {@code Do}): writes and quorum reads (QGET) are
 * proposed through the log and answered once applied; plain reads and watches are served from
 * this member's {@link V2Store} on the read executor. While this member leads and any v2 node
 * has a TTL, it proposes a SYNC with its clock every {@link #SYNC_INTERVAL_MILLIS} ms, which
 * expires the keys whose time has come on every member alike (etcd's {@code sync}).
 */
public final class V2Requests implements AutoCloseable {
    static final long SYNC_INTERVAL_MILLIS = 500;

    private final KvRequests kv;
    private final Applier applier;
    private final Consensus consensus;
    private final Executor readExecutor;
    private final ScheduledExecutorService syncs = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kvorum-v2-sync");
        t.setDaemon(true);
        return t;
    });

    public V2Requests(KvRequests kv, Applier applier, Consensus consensus, Executor readExecutor) {
        this.kv = kv;
        this.applier = applier;
        this.consensus = consensus;
        this.readExecutor = readExecutor;
    }

    /** Starts proposing expiry SYNCs while this member leads. */
    public void start() {
        syncs.scheduleWithFixedDelay(this::syncIfLeading, SYNC_INTERVAL_MILLIS, SYNC_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    private void syncIfLeading() {
        try {
            ConsensusStatus status = consensus.status();
            if (status.leaderId() != 0 && status.leaderId() == status.memberId() && store().hasTtlKeys()) {
                java.time.Instant now = java.time.Instant.now();
                propose(Request.newBuilder().setMethod("SYNC")
                        .setTime(now.getEpochSecond() * 1_000_000_000L + now.getNano()).build());
            }
        } catch (RuntimeException e) {
            // the next tick tries again; a failed SYNC changes nothing
        }
    }

    /** The store as applied on this member. */
    public V2Store store() {
        return applier.v2();
    }

    /** The consensus status, for the {@code X-Raft-Index}/{@code X-Raft-Term} headers and the cluster id. */
    public ConsensusStatus status() {
        return consensus.status();
    }

    /**
     * Proposes a PUT, POST, DELETE or QGET and completes with its event once applied here; a
     * request the store refuses fails with its {@link V2Error}, one that cannot be committed with
     * etcd's "Raft Internal Error" carrying the reason.
     */
    public CompletableFuture<V2Event> propose(Request r) {
        CompletableFuture<V2Event> answer = new CompletableFuture<>();
        kv.proposeV2(InternalRaftRequest.newBuilder().setV2(r)).whenComplete((result, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                answer.completeExceptionally(cause instanceof V2Error ? cause
                        : new V2Error(V2Error.RAFT_INTERNAL, cause instanceof EtcdException e ? e.getMessage()
                        : String.valueOf(cause.getMessage()), 0));
            } else if (result instanceof V2Event e) {
                answer.complete(e);
            } else {
                answer.complete(null);
            }
        });
        return answer;
    }

    /** A read of this member's store, off the request's thread. */
    public CompletableFuture<V2Event> get(String path, boolean recursive, boolean sorted) {
        return CompletableFuture.supplyAsync(() -> store().get(path, recursive, sorted), readExecutor);
    }

    /** A watch of this member's store. */
    public V2Watcher watch(String path, boolean recursive, boolean stream, long sinceIndex) {
        return store().watch(path, recursive, stream, sinceIndex);
    }

    @Override
    public void close() {
        syncs.shutdownNow();
    }
}
