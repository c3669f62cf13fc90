package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.WebClient;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.RangeRequest;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd 3.5's {@code --listen-client-http-urls}: HTTP there only, gRPC on the client URLs only. */
class ClientHttpUrlsTest {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    @TempDir
    Path dir;

    private KvorumServer start(List<URI> httpUrls) throws Exception {
        KvorumServer server = KvorumServer.builder()
                .config(ServerConfig.builder().dataDir(dir).listenClientUrls(List.of(ANY_PORT))
                        .advertiseClientUrls(List.of(ANY_PORT)).listenClientHttpUrls(httpUrls).build())
                .backend(new KvorumServerTest.MemoryBackendProvider())
                .build();
        server.start();
        return server;
    }

    private static int get(URI base, String path) throws Exception {
        return WebClient.of(base.toString()).get(path).aggregate().get(30, TimeUnit.SECONDS).status().code();
    }

    private static long range(URI url) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().build();
        try {
            return KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()).getCount();
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void httpEndpointsAreServedOnTheHttpUrlsAndGrpcOnTheClientUrlsOnly() throws Exception {
        try (KvorumServer server = start(List.of(ANY_PORT))) {
            URI grpcUrl = server.clientUrls().get(0);
            URI httpUrl = server.clientHttpUrls().get(0);
            assertNotEquals(grpcUrl.getPort(), httpUrl.getPort());

            assertEquals(200, get(httpUrl, "/health"));
            assertEquals(200, get(httpUrl, "/version"));
            assertThrows(StatusRuntimeException.class, () -> range(httpUrl));

            assertEquals(0, range(grpcUrl));
            assertEquals(404, get(grpcUrl, "/health"));
        }
    }

    @Test
    void withoutHttpUrlsTheClientUrlsServeBoth() throws Exception {
        try (KvorumServer server = start(List.of())) {
            URI url = server.clientUrls().get(0);
            assertTrue(server.clientHttpUrls().isEmpty());
            assertEquals(200, get(url, "/health"));
            assertEquals(0, range(url));
        }
    }
}
