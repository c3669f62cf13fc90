package io.kvorum.it.client;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.LeaseGrpc;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.v3electionpb.ElectionGrpc;
import io.kvorum.api.v3lockpb.LockGrpc;
import io.kvorum.it.server.ServerProcess;
import com.google.protobuf.ByteString;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java blocking stubs generated from etcd's own protos (kvorum-api) on one plaintext channel:
 * what a client sees on the wire, exact status codes and messages included.
 */
public final class RawEtcdClient implements AutoCloseable {
    /** Range over every key: key {@code \0} with range_end {@code \0}. */
    public static final ByteString ALL_KEYS = ByteString.copyFrom(new byte[] {0});

    private final ManagedChannel channel;

    public RawEtcdClient(ServerProcess server) {
        this.channel = Grpc.newChannelBuilderForAddress(server.host(), server.port(), InsecureChannelCredentials.create())
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build();
    }

    /** KV calls, each with a 10 s deadline. */
    public KVGrpc.KVBlockingStub kv() {
        return KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    public LeaseGrpc.LeaseBlockingStub lease() {
        return LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** For the streams: {@code LeaseKeepAlive}. */
    public LeaseGrpc.LeaseStub leaseStreams() {
        return LeaseGrpc.newStub(channel);
    }

    /** For the {@code Watch} stream. */
    public WatchGrpc.WatchStub watch() {
        return WatchGrpc.newStub(channel);
    }

    public LockGrpc.LockBlockingStub lock() {
        return LockGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    public ElectionGrpc.ElectionBlockingStub election() {
        return ElectionGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** Every key at the current revision, in key order. */
    public RangeResponse everything() {
        return kv().range(RangeRequest.newBuilder().setKey(ALL_KEYS).setRangeEnd(ALL_KEYS).build());
    }

    /** Runs {@code call}, expecting it to fail; returns the failure. */
    public static StatusRuntimeException failure(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("expected the call to fail with a gRPC status, but it succeeded");
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
    }
}
