package io.kvorum.server.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.server.error.EtcdError;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What etcd's v3rpc interceptor refuses before any service sees a call, on every service of
 * the client port: on a learner, every unary call but {@code Status} and serializable
 * {@code Range} and every stream but {@code Snapshot} ({@code etcdserver: rpc not supported for
 * learner}); and a call with metadata {@code hasleader: true} while the member knows no leader
 * ({@code etcdserver: no leader}).
 *
 * <p>Streams opened with {@code hasleader: true} (the Go client's watches and keepalives) are
 * also closed with {@code etcdserver: no leader} once the member has found no leader at
 * {@value #MAX_NO_LEADER_CHECKS} checks in a row, one per election timeout, as etcd's
 * {@code monitorLeader} does. The checks run only while such streams are open.
 */
final class ClusterInterceptor implements ServerInterceptor {
    /** etcd's {@code rpctypes.MetadataRequireLeaderKey}. */
    static final Metadata.Key<String> REQUIRE_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);
    private static final String HAS_LEADER = "true";
    private static final String STATUS = MaintenanceGrpc.getStatusMethod().getFullMethodName();
    private static final String SNAPSHOT = MaintenanceGrpc.getSnapshotMethod().getFullMethodName();
    private static final String RANGE = KVGrpc.getRangeMethod().getFullMethodName();

    /** etcd's maxNoLeaderCnt. */
    static final int MAX_NO_LEADER_CHECKS = 3;

    private final Consensus consensus;
    private final long electionTimeoutMillis;
    /** Open streams that require a leader; guarded by this, as are the two fields after it. */
    private final Set<LeaderBoundCall<?, ?>> leaderBound = new HashSet<>();
    private boolean monitoring;
    private int noLeaderChecks;

    ClusterInterceptor(Consensus consensus, Duration electionTimeout) {
        this.consensus = consensus;
        this.electionTimeoutMillis = electionTimeout.toMillis();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        ConsensusStatus s = consensus.status();
        String method = call.getMethodDescriptor().getFullMethodName();
        boolean unary = call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY;
        if (s.learner() && !(unary ? method.equals(STATUS) || method.equals(RANGE) : method.equals(SNAPSHOT))) {
            return refuse(call, EtcdError.NOT_SUPPORTED_FOR_LEARNER);
        }
        if (s.leaderId() == 0 && HAS_LEADER.equals(headers.get(REQUIRE_LEADER))) {
            return refuse(call, EtcdError.NO_LEADER);
        }
        if (!unary && HAS_LEADER.equals(headers.get(REQUIRE_LEADER))) {
            LeaderBoundCall<Q, R> bound = new LeaderBoundCall<>(call);
            ServerCall.Listener<Q> listener = next.startCall(bound, headers);
            watch(bound);
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                @Override
                public void onComplete() {
                    unwatch(bound);
                    if (bound.closedForNoLeader()) {
                        // To the service, a stream closed under it is one its client gave up:
                        // it lets go of the stream as it does on cancellation.
                        super.onCancel();
                    } else {
                        super.onComplete();
                    }
                }

                @Override
                public void onCancel() {
                    unwatch(bound);
                    super.onCancel();
                }
            };
        }
        ServerCall.Listener<Q> listener = next.startCall(call, headers);
        return s.learner() && method.equals(RANGE) ? new SerializableOnly<>(call, listener) : listener;
    }

    private synchronized void watch(LeaderBoundCall<?, ?> call) {
        leaderBound.add(call);
        if (!monitoring) {
            monitoring = true;
            noLeaderChecks = 0;
            checkLater();
        }
    }

    private synchronized void unwatch(LeaderBoundCall<?, ?> call) {
        leaderBound.remove(call);
    }

    private void checkLater() {
        CompletableFuture.delayedExecutor(electionTimeoutMillis, TimeUnit.MILLISECONDS).execute(this::checkLeader);
    }

    private void checkLeader() {
        List<LeaderBoundCall<?, ?>> lost = List.of();
        synchronized (this) {
            noLeaderChecks = consensus.status().leaderId() == 0 ? noLeaderChecks + 1 : 0;
            if (noLeaderChecks >= MAX_NO_LEADER_CHECKS) {
                lost = new ArrayList<>(leaderBound);
                leaderBound.clear();
            }
            if (leaderBound.isEmpty()) {
                monitoring = false;
            } else {
                checkLater();
            }
        }
        lost.forEach(LeaderBoundCall::closeForNoLeader);
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, EtcdError error) {
        call.close(error.asException().getStatus(), new Metadata());
        return new ServerCall.Listener<>() { };
    }

    /**
     * A stream that requires a leader. It can be closed from the monitor's thread while its
     * service still sends: once closed, whatever the service sends or closes with is dropped.
     */
    private static final class LeaderBoundCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        /** Guarded by this. */
        private boolean closed;
        private boolean noLeader;

        LeaderBoundCall(ServerCall<Q, R> call) {
            super(call);
        }

        @Override
        public synchronized void sendMessage(R message) {
            if (!closed) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (!closed) {
                closed = true;
                super.close(status, trailers);
            }
        }

        @Override
        public synchronized boolean isReady() {
            return !closed && super.isReady();
        }

        @Override
        public synchronized boolean isCancelled() {
            return closed || super.isCancelled();
        }

        void closeForNoLeader() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                noLeader = true;
            }
            close(EtcdError.NO_LEADER.asException().getStatus(), new Metadata());
        }

        synchronized boolean closedForNoLeader() {
            return noLeader;
        }
    }

    /** A learner's Range: only a serializable one reaches the service. */
    private static final class SerializableOnly<Q, R> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final ServerCall<Q, R> call;
        private boolean refused;

        SerializableOnly(ServerCall<Q, R> call, ServerCall.Listener<Q> delegate) {
            super(delegate);
            this.call = call;
        }

        @Override
        public void onMessage(Q message) {
            if (message instanceof RangeRequest r && !r.getSerializable()) {
                refused = true;
                call.close(EtcdError.NOT_SUPPORTED_FOR_LEARNER.asException().getStatus(), new Metadata());
                return;
            }
            super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                super.onHalfClose();
            }
        }
    }
}
