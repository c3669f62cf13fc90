package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.server.mvcc.MvccConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's {@code --max-concurrent-streams} and {@code --experimental-compaction-batch-limit}. */
class ClientConnectionsTest {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    @TempDir
    Path dir;

    private KvorumServer start(long maxConcurrentStreams) throws Exception {
        KvorumServer server = KvorumServer.builder()
                .config(ServerConfig.builder().dataDir(dir).listenClientUrls(List.of(ANY_PORT))
                        .advertiseClientUrls(List.of(ANY_PORT))
                        .clientConnections(new ClientConnections(maxConcurrentStreams, Duration.ofSeconds(5),
                                Duration.ofHours(2), Duration.ofSeconds(20)))
                        .build())
                .backend(new KvorumServerTest.MemoryBackendProvider())
                .build();
        server.start();
        return server;
    }

    /** Opens a watch stream on {@code channel} and waits until the member created the watcher. */
    private static StreamObserver<WatchRequest> openWatch(ManagedChannel channel) throws InterruptedException {
        CountDownLatch created = new CountDownLatch(1);
        StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
                if (r.getCreated()) {
                    created.countDown();
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.onNext(WatchRequest.newBuilder().setCreateRequest(
                WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))).build());
        assertTrue(created.await(30, TimeUnit.SECONDS), "the watch was not created");
        return requests;
    }

    private static ManagedChannel channel(KvorumServer server) {
        URI url = server.clientUrls().get(0);
        return NettyChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().build();
    }

    @Test
    void aConnectionOpensNoMoreStreamsThanAllowedAndTheNextCallWaitsForOneToClose() throws Exception {
        try (KvorumServer server = start(1)) {
            ManagedChannel channel = channel(server);
            try {
                StreamObserver<WatchRequest> watch = openWatch(channel);
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
                RangeRequest range = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build();

                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> kv.withDeadlineAfter(2, TimeUnit.SECONDS).range(range));
                assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());

                watch.onError(Status.CANCELLED.asRuntimeException());
                assertEquals(0, kv.withDeadlineAfter(30, TimeUnit.SECONDS).range(range).getCount());
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void byDefaultACallBesideAnOpenStreamIsServed() throws Exception {
        try (KvorumServer server = start(ClientConnections.MAX_CONCURRENT_STREAMS_UNLIMITED)) {
            ManagedChannel channel = channel(server);
            try {
                openWatch(channel);
                assertEquals(0, KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()).getCount());
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theCompactionBatchLimitIsTheStoresBatchSize() {
        ServerConfig config = ServerConfig.builder().dataDir(dir).compactionBatchLimit(7).build();

        assertEquals(new MvccConfig(7, MvccConfig.DEFAULT.compactionBatchInterval()), ServerRuntime.mvccConfig(config));
        assertEquals(1000, ServerRuntime.mvccConfig(ServerConfig.builder().dataDir(dir).build()).compactionBatchLimit());
    }
}
