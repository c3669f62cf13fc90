package io.kvorum.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.server.ServerSpec;
import io.kvorum.tls.testing.TestPki;
import io.kvorum.tls.testing.TestPki.Issued;
import io.kvorum.tls.testing.TestPki.KeyFormat;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * etcd's gRPC keepalive ({@code --grpc-keepalive-min-time}, {@code -interval}, {@code -timeout}) on
 * an https client port, as on a plaintext one: the member answers a client's PING, sends GOAWAY
 * {@code too_many_pings} to a client pinging more often than the minimum time, pings an idle client
 * every interval and closes the connection of one that stops answering.
 */
class ClientKeepAliveTlsTest {
    private static final String WATCH = "/etcdserverpb.Watch/Watch";
    /** HTTP/2's ENHANCE_YOUR_CALM, what grpc-go answers too many pings with. */
    private static final long ENHANCE_YOUR_CALM = 0xb;

    private static Issued ca;
    private static TlsMember member;
    private static URI url;

    @BeforeAll
    static void start() {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "kvorum's TLS member");
        Path dir = ServerSpec.fresh("client-tls-keepalive").workDir();
        ca = TestPki.ca("kvorum-test-ca");
        Issued server = TestPki.leaf(ca, "server", TestPki.rsa());
        Path cert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(server.certificate(), ca.certificate()));
        Path key = TestPki.write(dir.resolve("server.key"), TestPki.keyPem(server.key(), KeyFormat.PKCS8));
        List<String> flags = new ArrayList<>(List.of("--cert-file", cert.toString(), "--key-file", key.toString(),
                "--grpc-keepalive-min-time", "5s", "--grpc-keepalive-interval", "1s", "--grpc-keepalive-timeout", "1s"));
        member = TlsMember.start(dir, List.of("https://127.0.0.1:0"), flags);
        url = member.url("https");
    }

    @AfterAll
    static void stop() {
        if (member != null) {
            member.close();
        }
    }

    @Test
    void aClientsPingIsAnsweredAndPingingMoreOftenThanTheMinimumTimeGetsGoAwayTooManyPings() throws Exception {
        try (TlsHttp2Connection c = new TlsHttp2Connection(url, ca.certificate(), true)) {
            c.openStream(1, WATCH);
            c.pingAndAwaitAck(1); // the first is no strike
            // read together (one TLS record): the third strike's GOAWAY is not written yet when the strikes
            // after it are counted
            c.pings(2, 10);

            c.closed.get(30, TimeUnit.SECONDS);
            TlsHttp2Connection.GoAway goAway = c.goAway.getNow(null); // read before the end of the stream, if at all
            assertNotNull(goAway, "the connection was closed without GOAWAY");
            assertEquals(ENHANCE_YOUR_CALM, goAway.errorCode());
            assertEquals("too_many_pings", goAway.debugData());
        }
    }

    @Test
    void theMemberPingsEveryIntervalAndAClientThatAnswersStaysConnected() throws Exception {
        try (TlsHttp2Connection c = new TlsHttp2Connection(url, ca.certificate(), true)) {
            c.openStream(1, WATCH);

            for (int i = 0; i < 3; i++) {
                assertNotNull(c.pings.poll(30, TimeUnit.SECONDS), "the member sent no keepalive ping");
            }
            assertFalse(c.closed.isDone(), "closed although every ping was answered");
            assertFalse(c.goAway.isDone());
        }
    }

    @Test
    void aClientThatStopsAnsweringPingsIsDisconnected() throws Exception {
        try (TlsHttp2Connection c = new TlsHttp2Connection(url, ca.certificate(), false)) {
            c.openStream(1, WATCH);

            assertNotNull(c.pings.poll(30, TimeUnit.SECONDS), "the member sent no keepalive ping");
            c.closed.get(30, TimeUnit.SECONDS);
            assertNull(c.goAway.getNow(null));
        }
    }
}
