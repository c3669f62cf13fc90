package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.ssl.SslHandler;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's {@code --grpc-keepalive-min-time}, {@code --grpc-keepalive-interval} and {@code --grpc-keepalive-timeout}. */
class ClientKeepAliveTest {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");
    private static final String WATCH = "/etcdserverpb.Watch/Watch";
    /** HTTP/2's ENHANCE_YOUR_CALM, what grpc-go answers too many pings with. */
    private static final long ENHANCE_YOUR_CALM = 0xb;

    @TempDir
    Path dir;

    private KvorumServer start(Duration minTime, Duration interval, Duration timeout) throws Exception {
        KvorumServer server = KvorumServer.builder()
                .config(ServerConfig.builder().dataDir(dir).listenClientUrls(List.of(ANY_PORT))
                        .advertiseClientUrls(List.of(ANY_PORT))
                        .clientConnections(new ClientConnections(ClientConnections.MAX_CONCURRENT_STREAMS_UNLIMITED,
                                minTime, interval, timeout))
                        .build())
                .backend(new KvorumServerTest.MemoryBackendProvider())
                .build();
        server.start();
        return server;
    }

    private static void pingAndAwaitAck(RawHttp2Connection c, long data) throws Exception {
        c.ping(data);
        for (Long p; (p = c.pings.poll(30, TimeUnit.SECONDS)) != null; ) {
            if (p == -data) {
                return;
            }
        }
        throw new AssertionError("ping " + data + " not acknowledged");
    }

    @Test
    void aClientPingingMoreOftenThanTheMinimumTimeGetsGoAwayTooManyPings() throws Exception {
        try (KvorumServer server = start(Duration.ofSeconds(5), Duration.ofHours(2), Duration.ofSeconds(20));
             RawHttp2Connection c = new RawHttp2Connection(server.clientUrls().get(0), true)) {
            c.openStream(1, WATCH);
            for (long i = 1; i <= 4; i++) {
                c.ping(i);
            }

            RawHttp2Connection.GoAway goAway = c.goAway.get(30, TimeUnit.SECONDS);
            assertEquals(ENHANCE_YOUR_CALM, goAway.errorCode());
            assertEquals("too_many_pings", goAway.debugData());
            c.closed.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void pingsPastTheThirdStrikeInTheSameReadLeaveTheGoAwayToArriveBeforeTheClose() throws Exception {
        try (KvorumServer server = start(Duration.ofSeconds(5), Duration.ofHours(2), Duration.ofSeconds(20));
             RawHttp2Connection c = new RawHttp2Connection(server.clientUrls().get(0), true)) {
            c.openStream(1, WATCH);
            pingAndAwaitAck(c, 1); // the first is no strike
            // read together: the third strike's GOAWAY is not written yet when the strikes after it are counted
            c.pings(2, 10);

            c.closed.get(30, TimeUnit.SECONDS);
            RawHttp2Connection.GoAway goAway = c.goAway.getNow(null); // read before the end of the stream, if at all
            assertNotNull(goAway, "the connection was closed without GOAWAY");
            assertEquals(ENHANCE_YOUR_CALM, goAway.errorCode());
            assertEquals("too_many_pings", goAway.debugData());
        }
    }

    @Test
    void withNoStreamOpenPingsCloserThanTwoHoursAreStrikesWhateverTheMinimumTime() throws Exception {
        try (KvorumServer server = start(Duration.ofNanos(1), Duration.ofHours(2), Duration.ofSeconds(20));
             RawHttp2Connection c = new RawHttp2Connection(server.clientUrls().get(0), true)) {
            for (long i = 1; i <= 4; i++) {
                c.ping(i);
            }

            assertEquals("too_many_pings", c.goAway.get(30, TimeUnit.SECONDS).debugData());
        }
    }

    @Test
    void pingsFartherApartThanTheMinimumTimeAreAnswered() throws Exception {
        try (KvorumServer server = start(Duration.ofMillis(50), Duration.ofHours(2), Duration.ofSeconds(20));
             RawHttp2Connection c = new RawHttp2Connection(server.clientUrls().get(0), true)) {
            c.openStream(1, WATCH);
            for (long i = 1; i <= 6; i++) {
                Thread.sleep(500);
                pingAndAwaitAck(c, i);
            }

            assertFalse(c.goAway.isDone(), "GOAWAY after pings that kept the minimum time");
            assertFalse(c.closed.isDone());
        }
    }

    @Test
    void headersOrDataFromTheServerForgiveThePingStrikes() throws Exception {
        try (KvorumServer server = start(Duration.ofSeconds(5), Duration.ofHours(2), Duration.ofSeconds(20));
             RawHttp2Connection c = new RawHttp2Connection(server.clientUrls().get(0), true)) {
            URI url = server.clientUrls().get(0);
            c.openStream(1, WATCH);
            c.sendMessage(1, WatchRequest.newBuilder().setCreateRequest(
                    WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))).build().toByteArray());
            for (long i = 1; i <= 3; i++) { // the first is no strike; two strikes
                pingAndAwaitAck(c, i);
            }
            ManagedChannel channel = NettyChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().build();
            try {
                // The watch's event: the server writes DATA on the open stream.
                KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v")).build());
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
            Thread.sleep(500); // the event reaches the connection; a race would only make the test pass less often
            for (long i = 4; i <= 5; i++) { // strikes forgiven: one strike only
                pingAndAwaitAck(c, i);
            }

            assertFalse(c.goAway.isDone(), "GOAWAY although the server wrote since the strikes");
        }
    }

    @Test
    void aPeerThatStopsAnsweringPingsIsDisconnected() throws Exception {
        try (KvorumServer server = start(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(1));
             RawHttp2Connection c = new RawHttp2Connection(server.clientUrls().get(0), false)) {
            c.openStream(1, WATCH);

            assertNotNull(c.pings.poll(30, TimeUnit.SECONDS), "the server sent no keepalive ping");
            c.closed.get(30, TimeUnit.SECONDS);
            assertNull(c.goAway.getNow(null));
        }
    }

    @Test
    void aPeerThatAnswersPingsStaysConnected() throws Exception {
        try (KvorumServer server = start(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(1));
             RawHttp2Connection c = new RawHttp2Connection(server.clientUrls().get(0), true)) {
            c.openStream(1, WATCH);

            for (int i = 0; i < 4; i++) {
                assertNotNull(c.pings.poll(30, TimeUnit.SECONDS), "the server sent no keepalive ping");
            }
            assertFalse(c.closed.isDone(), "closed although every ping was answered");
        }
    }

    @Test
    void zeroMeansGrpcGosDefaultsAsEtcdLeavesThem() {
        ClientConnections zero = new ClientConnections(0, Duration.ZERO, Duration.ofSeconds(3), Duration.ZERO);

        assertEquals(Duration.ofMinutes(5), zero.effectiveKeepAliveMinTime());
        assertEquals(Duration.ofHours(2), zero.effectiveKeepAliveInterval());
        assertEquals(Duration.ofSeconds(20), zero.effectiveKeepAliveTimeout());
    }

    @Test
    void aConnectionWhoseTlsComesAfterTheInstallerIsLeftAloneOnceHttp2IsFound() throws Exception {
        // Armeria puts TLS in place before the customizer on each port kvorum configures; should a
        // port add it later, the connection is https all the same and gets etcd's https behaviour.
        EmbeddedChannel channel = new EmbeddedChannel();
        ClientKeepAlive.installer(ClientConnections.DEFAULT).accept(channel.pipeline());
        assertNotNull(channel.pipeline().get(ClientKeepAlive.class), "not installed on a plaintext connection");

        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setUseClientMode(false);
        channel.pipeline().addLast(new SslHandler(engine));
        channel.pipeline().addLast(new Http2ConnectionHandlerBuilder().server(true)
                .frameListener(new Http2FrameAdapter()).build());
        channel.writeInbound(Unpooled.EMPTY_BUFFER);

        assertNull(channel.pipeline().get(ClientKeepAlive.class), "still policing pings on a TLS connection");
        channel.finishAndReleaseAll();
    }
}
