package io.kvorum.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.server.error.EtcdError;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusStatus;

/**
 * What etcd's v3rpc interceptor refuses before any service sees a call, on every service of
 * the client port: on a learner, every unary call but {@code Status} and serializable
 * {@code Range} and every stream but {@code Snapshot} ({@code etcdserver: rpc not supported for
 * learner}); and a call with metadata {@code hasleader: true} while the member knows no leader
 * ({@code etcdserver: no leader}).
 */
final class ClusterInterceptor implements ServerInterceptor {
    /** etcd's {@code rpctypes.MetadataRequireLeaderKey}. */
    static final Metadata.Key<String> REQUIRE_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);
    private static final String HAS_LEADER = "true";
    private static final String STATUS = MaintenanceGrpc.getStatusMethod().getFullMethodName();
    private static final String SNAPSHOT = MaintenanceGrpc.getSnapshotMethod().getFullMethodName();
    private static final String RANGE = KVGrpc.getRangeMethod().getFullMethodName();

    private final Consensus consensus;

    ClusterInterceptor(Consensus consensus) {
        this.consensus = consensus;
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
        ServerCall.Listener<Q> listener = next.startCall(call, headers);
        return s.learner() && method.equals(RANGE) ? new SerializableOnly<>(call, listener) : listener;
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, EtcdError error) {
        call.close(error.asException().getStatus(), new Metadata());
        return new ServerCall.Listener<>() { };
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
