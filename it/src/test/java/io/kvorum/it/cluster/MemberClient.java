package io.kvorum.it.cluster;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.kvorum.api.etcdserverpb.ClusterGrpc;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.StatusRequest;
import io.kvorum.api.etcdserverpb.StatusResponse;
import java.util.concurrent.TimeUnit;

/**
 * A plaintext gRPC channel to one member's client port, with etcd's stubs. The channel outlives
 * restarts of the member (the port stays the same); {@link #reconnectNow()} skips gRPC's growing
 * reconnect backoff after the member was down.
 */
public final class MemberClient implements AutoCloseable {
    private final ManagedChannel channel;
    private final long deadlineMillis;

    public MemberClient(int clientPort, long deadlineMillis) {
        this.channel = Grpc.newChannelBuilderForAddress("127.0.0.1", clientPort, InsecureChannelCredentials.create())
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build();
        this.deadlineMillis = deadlineMillis;
    }

    public KVGrpc.KVBlockingStub kv() {
        return KVGrpc.newBlockingStub(channel).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    }

    /** KV calls that return futures, for many puts in flight at once. */
    public KVGrpc.KVFutureStub kvAsync() {
        return KVGrpc.newFutureStub(channel).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    }

    public MaintenanceGrpc.MaintenanceBlockingStub maintenance() {
        return MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    }

    public ClusterGrpc.ClusterBlockingStub cluster() {
        return ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    }

    public StatusResponse status() {
        return maintenance().status(StatusRequest.getDefaultInstance());
    }

    /** Connect again at the next call instead of after gRPC's backoff (which grows to minutes). */
    public void reconnectNow() {
        channel.resetConnectBackoff();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
