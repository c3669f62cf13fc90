package io.kvorum.server.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.AlarmRequest;
import io.kvorum.api.etcdserverpb.AlarmResponse;
import io.kvorum.api.etcdserverpb.DefragmentRequest;
import io.kvorum.api.etcdserverpb.DefragmentResponse;
import io.kvorum.api.etcdserverpb.HashKVRequest;
import io.kvorum.api.etcdserverpb.HashRequest;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.api.etcdserverpb.HashResponse;
import io.kvorum.server.alarm.AlarmStore;
import io.kvorum.api.etcdserverpb.HashKVResponse;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.MoveLeaderRequest;
import io.kvorum.api.etcdserverpb.MoveLeaderResponse;
import io.kvorum.api.etcdserverpb.SnapshotRequest;
import io.kvorum.api.etcdserverpb.SnapshotResponse;
import io.kvorum.api.etcdserverpb.StatusRequest;
import io.kvorum.api.etcdserverpb.StatusResponse;
import io.kvorum.server.EtcdVersion;
import io.kvorum.server.request.KvRequests;
import io.kvorum.spi.backend.Backend;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.snapshot.EtcdSnapshot;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Histogram;
import io.kvorum.spi.metrics.MetricRegistry;
import io.kvorum.server.metrics.ServerMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/** {@code etcdserverpb.Maintenance}: status, alarms, hashes, defragmentation, snapshots, leadership. */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
    private final Consensus consensus;
    private final KvRequests kv;
    private final Backend backend;
    private final Headers headers;
    private final Executor blocking;

    private final Callers callers;

    /** Told when a defragmentation starts and ends (--experimental-stop-grpc-service-on-defrag). */
    private final HealthService health;

    /** etcd's time from opening a snapshot's read view until it is closed, sent or not. */
    private final Histogram snapshotDuration;

    MaintenanceService(Consensus consensus, KvRequests kv, Backend backend, Headers headers, Executor blocking,
                       Callers callers, HealthService health, MetricRegistry metrics) {
        this.snapshotDuration = metrics.histogram("etcd_disk_backend_snapshot_duration_seconds",
                "The latency distribution of backend snapshots.", Buckets.exponential(.01, 2, 17));
        this.callers = callers;
        this.health = health;
        this.consensus = consensus;
        this.kv = kv;
        this.backend = backend;
        this.headers = headers;
        this.blocking = blocking;
    }

    @Override
    public void status(StatusRequest r, StreamObserver<StatusResponse> out) {
        Replies.reply(() -> CompletableFuture.completedFuture(consensus.status()), s -> {
            StatusResponse.Builder b = StatusResponse.newBuilder()
                    .setHeader(headers.current())
                    .setVersion(EtcdVersion.SERVER)
                    .setDbSize(backend.size())
                    .setDbSizeInUse(backend.sizeInUse())
                    .setLeader(s.leaderId())
                    .setRaftIndex(s.commitIndex())
                    .setRaftTerm(s.term())
                    .setRaftAppliedIndex(s.appliedIndex())
                    .setIsLearner(s.learner());
            if (s.leaderId() == 0) {
                b.addErrors("etcdserver: no leader");
            }
            kv.alarms().forEach(a -> b.addErrors(AlarmStore.describe(a)));
            return b.build();
        }, out);
    }

    @Override
    public void alarm(AlarmRequest r, StreamObserver<AlarmResponse> out) {
        // as etcd, any token the call carries must be valid (the request goes through the log), but
        // alarms need no permission
        Replies.reply(() -> callers.caller().thenCompose(who -> kv.alarm(r)), a -> a.toBuilder().setHeader(headers.current()).build(), out);
    }

    /** etcd's Hash: every bucket of the backend but the log's own position, at the current revision. */
    @Override
    public void hash(HashRequest r, StreamObserver<HashResponse> out) {
        Replies.reply(() -> callers.admin().thenApplyAsync(who -> timed(kv.metrics().hashDuration,
                        () -> kv.store().hashAll()), blocking),
                h -> HashResponse.newBuilder().setHeader(headers.fill(ResponseHeader.newBuilder().setRevision(h.revision()).build())).setHash(h.hash()).build(), out);
    }

    @Override
    public void hashKV(HashKVRequest r, StreamObserver<HashKVResponse> out) {
        Replies.reply(() -> callers.admin().thenApplyAsync(who -> timed(kv.metrics().hashRevDuration,
                        () -> kv.store().hashKV(r.getRevision())), blocking),
                h -> HashKVResponse.newBuilder().setHeader(headers.current())
                        .setHash(h.hash()).setCompactRevision(h.compactRevision()).build(), out);
    }

    @Override
    public void defragment(DefragmentRequest r, StreamObserver<DefragmentResponse> out) {
        Replies.reply(() -> callers.admin().thenAcceptAsync(who -> {
            ServerMetrics metrics = kv.metrics();
            metrics.defragInflight.set(1);
            long started = System.nanoTime();
            health.defragStarted();
            try {
                backend.defragment();
                metrics.backendDefrag.observeNanos(System.nanoTime() - started);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                health.defragFinished();
                metrics.defragInflight.set(0);
            }
        }, blocking), v -> DefragmentResponse.getDefaultInstance(), out);
    }

    /** Runs {@code work}, recording how long it took when it succeeds. */
    private static <T> T timed(io.kvorum.spi.metrics.Histogram seconds, java.util.function.Supplier<T> work) {
        long started = System.nanoTime();
        T result = work.get();
        seconds.observeNanos(System.nanoTime() - started);
        return result;
    }

    /**
     * As etcd: only the leader moves leadership, only to a voting member; a transfer the
     * consensus gives up on is etcd's "leader transfer took too long".
     */
    @Override
    public void moveLeader(MoveLeaderRequest r, StreamObserver<MoveLeaderResponse> out) {
        Replies.reply(() -> {
            ConsensusStatus s = consensus.status();
            if (s.leaderId() == 0 || s.leaderId() != s.memberId()) {
                throw new EtcdException(EtcdError.NOT_LEADER);
            }
            boolean voter = consensus.members().stream().anyMatch(m -> m.id() == r.getTargetID() && !m.learner());
            if (!voter) {
                throw new EtcdException(EtcdError.BAD_LEADER_TRANSFEREE);
            }
            if (r.getTargetID() == s.memberId()) {
                // etcd: the leader is already the transferee, so the transfer is done
                return CompletableFuture.completedFuture(MoveLeaderResponse.getDefaultInstance());
            }
            return consensus.transferLeadership(r.getTargetID()).handle((v, failure) -> {
                if (failure == null) {
                    return MoveLeaderResponse.getDefaultInstance();
                }
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (cause instanceof ConsensusException e && e.reason() == ConsensusException.Reason.TIMEOUT) {
                    throw new EtcdException(EtcdError.TIMEOUT_LEADER_TRANSFER);
                }
                throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            });
        }, v -> v, out);
    }

    /**
     * etcd's snapshot: the member's state as etcd's db file, streamed (see {@link SnapshotSender}).
     * Root only when auth is on. Written from a read view on a thread of its own, as etcd writes
     * from a read transaction: the apply loop goes on, and other maintenance calls are not held up
     * for the minutes a large store takes.
     */
    @Override
    public void snapshot(SnapshotRequest r, StreamObserver<SnapshotResponse> out) {
        SnapshotSender sender = new SnapshotSender((ServerCallStreamObserver<SnapshotResponse>) out);
        callers.admin().thenAccept(who -> {
            Thread thread = new Thread(() -> {
                long started = System.nanoTime();
                EtcdSnapshot snapshot;
                try {
                    snapshot = EtcdSnapshot.open(backend.readView(), consensus.members(), EtcdVersion.CLUSTER);
                } catch (IOException | RuntimeException e) {
                    out.onError(Errors.toStatus(e));
                    return;
                }
                sender.send(snapshot);
                snapshotDuration.observe((System.nanoTime() - started) / 1e9);
            }, "kvorum-snapshot");
            thread.setDaemon(true);
            thread.start();
        }).exceptionally(failure -> {
            out.onError(Errors.toStatus(failure));
            return null;
        });
    }
}
