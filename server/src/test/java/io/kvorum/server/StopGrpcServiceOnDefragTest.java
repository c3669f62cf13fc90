package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.DefragmentRequest;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd 3.6's {@code --experimental-stop-grpc-service-on-defrag}: the gRPC health service during a defragmentation. */
class StopGrpcServiceOnDefragTest {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    @TempDir
    Path dir;

    /** The statuses a health watch saw around one defragmentation. */
    private BlockingQueue<ServingStatus> statusesAroundDefrag(boolean stopOnDefrag) throws Exception {
        BlockingQueue<ServingStatus> seen = new LinkedBlockingQueue<>();
        try (KvorumServer server = KvorumServer.builder()
                .config(ServerConfig.builder().dataDir(dir).listenClientUrls(List.of(ANY_PORT))
                        .advertiseClientUrls(List.of(ANY_PORT)).stopGrpcServiceOnDefrag(stopOnDefrag).build())
                .backend(new KvorumServerTest.MemoryBackendProvider())
                .build()) {
            server.start();
            URI url = server.clientUrls().get(0);
            ManagedChannel channel = NettyChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().build();
            try {
                HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
                    @Override
                    public void onNext(HealthCheckResponse r) {
                        seen.add(r.getStatus());
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
                assertEquals(ServingStatus.SERVING, seen.poll(30, TimeUnit.SECONDS));
                MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .defragment(DefragmentRequest.getDefaultInstance());
                // The defragmentation is over: its changes, if any, were sent before its answer; give them time to arrive.
                Thread.sleep(1000);
                assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus());
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
        return seen;
    }

    @Test
    void withTheFlagHealthIsNotServingWhileADefragmentationRuns() throws Exception {
        BlockingQueue<ServingStatus> seen = statusesAroundDefrag(true);

        assertEquals(ServingStatus.NOT_SERVING, seen.poll());
        assertEquals(ServingStatus.SERVING, seen.poll());
        assertNull(seen.poll());
    }

    @Test
    void withoutItHealthStaysServing() throws Exception {
        assertNull(statusesAroundDefrag(false).poll());
    }
}
