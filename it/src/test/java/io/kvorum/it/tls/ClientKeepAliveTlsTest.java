package io.kvorum.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.OracleRun;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.it.server.Target;
import io.kvorum.tls.testing.TestPki;
import io.kvorum.tls.testing.TestPki.Issued;
import io.kvorum.tls.testing.TestPki.KeyFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * etcd 3.4's gRPC keepalive flags ({@code --grpc-keepalive-min-time}, {@code -interval}, {@code -timeout})
 * hold on its http client URLs only. There grpc-go's own transport serves gRPC: it sends GOAWAY
 * {@code too_many_pings} to a client pinging more often than the minimum time, pings a client it has not
 * heard from for an interval and closes the connection of one that does not answer. On an https URL etcd
 * serves gRPC through Go's net/http server, whose HTTP/2 answers every PING and neither counts them nor
 * sends any: a client pinging as often as it likes, or silent for good, stays connected.
 *
 * <p>Each case runs against kvorum and against real etcd (when installed; only etcd with
 * {@code -Dkvorum.it.target=etcd}), each one member with an https and an http client URL.
 *
 * <p>The cases run side by side: each has a connection of its own, and the servers keep the
 * keepalive state (pings seen, strikes, the last frame heard) per connection. Most of a case is
 * waiting for a ping that does or does not come.
 */
class ClientKeepAliveTlsTest {
    private static final String WATCH = "/etcdserverpb.Watch/Watch";
    /** HTTP/2's ENHANCE_YOUR_CALM, what grpc-go answers too many pings with. */
    private static final long ENHANCE_YOUR_CALM = 0xb;
    private static final List<String> KEEPALIVE = List.of(
            "--grpc-keepalive-min-time", "5s", "--grpc-keepalive-interval", "1s", "--grpc-keepalive-timeout", "1s");
    /**
     * A few keepalive intervals: had the server pinged a silent client, it would have pinged it within the first
     * and closed its connection within the second.
     */
    private static final Duration SILENCE = Duration.ofSeconds(5);

    private static final Map<Target, TlsMember> MEMBERS = new EnumMap<>(Target.class);
    private static Issued ca;

    @BeforeAll
    static void start() {
        ca = TestPki.ca("kvorum-test-ca");
        Issued server = TestPki.leaf(ca, "server", TestPki.rsa());
        OracleRun<TlsMember> etcd = Binaries.etcd().isPresent() ? OracleRun.start(() -> {
            Path dir = dir("etcd", server);
            return TlsMember.startEtcd(dir, List.of("https", "http"), flags(dir));
        }) : null;
        try {
            if (Target.current() == Target.KVORUM) {
                Path dir = dir("kvorum", server);
                MEMBERS.put(Target.KVORUM, TlsMember.start(dir, List.of("https://127.0.0.1:0", "http://127.0.0.1:0"),
                        flags(dir)));
            }
        } finally {
            if (etcd != null) {
                MEMBERS.put(Target.ETCD, etcd.join());
            }
        }
    }

    /** A fresh folder holding the server's certificate and key. */
    private static Path dir(String kind, Issued server) {
        Path dir = ServerSpec.fresh("client-tls-keepalive-" + kind).workDir();
        TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(server.certificate(), ca.certificate()));
        TestPki.write(dir.resolve("server.key"), TestPki.keyPem(server.key(), KeyFormat.PKCS8));
        return dir;
    }

    private static List<String> flags(Path dir) {
        List<String> flags = new ArrayList<>(List.of("--cert-file", dir.resolve("server.crt").toString(),
                "--key-file", dir.resolve("server.key").toString()));
        flags.addAll(KEEPALIVE);
        return flags;
    }

    @AfterAll
    static void stop() {
        MEMBERS.values().forEach(member -> {
            member.close();
            member.deleteData();
        });
        MEMBERS.clear();
    }

    private static RawHttp2Connection connect(Target target, String scheme, boolean answerPings) throws Exception {
        TlsMember member = MEMBERS.get(target);
        assumeTrue(member != null, target == Target.ETCD ? "etcd is not installed (Debian package etcd-server)"
                : "kvorum is not run with -Dkvorum.it.target=etcd");
        return new RawHttp2Connection(member.url(scheme), ca.certificate(), answerPings);
    }

    @Execution(ExecutionMode.CONCURRENT)
    @ParameterizedTest(name = "{0}")
    @EnumSource(Target.class)
    void onHttpsPingsSoonerThanTheMinimumTimeAreAllAnsweredAndGetNoGoAway(Target target) throws Exception {
        try (RawHttp2Connection c = connect(target, "https", true)) {
            c.openStream(1, WATCH);
            for (long i = 1; i <= 10; i++) {
                c.pingAndAwaitAck(i);
            }
            // ten at once, as a client that pings in bursts
            c.pings(11, 20);
            for (long i = 11; i <= 20; i++) {
                c.awaitAck(i);
            }

            // a GOAWAY sent with any of the acknowledgements would be read by now
            c.pingAndAwaitAck(21);
            assertNull(c.goAway.getNow(null), "GOAWAY on an https port");
            assertFalse(c.closed.isDone(), "closed after pinging often on an https port");
        }
    }

    @Execution(ExecutionMode.CONCURRENT)
    @ParameterizedTest(name = "{0}")
    @EnumSource(Target.class)
    void onHttpsASilentClientIsNotPingedAndStaysConnected(Target target) throws Exception {
        try (RawHttp2Connection c = connect(target, "https", false)) {
            c.openStream(1, WATCH);

            Long ping = c.pings.poll(SILENCE.toMillis(), TimeUnit.MILLISECONDS);
            assertNull(ping, "the server sent a keepalive ping on an https port");
            assertFalse(c.closed.isDone(), "a silent client was disconnected from an https port");
            assertNull(c.goAway.getNow(null));
        }
    }

    @Execution(ExecutionMode.CONCURRENT)
    @ParameterizedTest(name = "{0}")
    @EnumSource(Target.class)
    void onHttpPingingSoonerThanTheMinimumTimeGetsGoAwayTooManyPings(Target target) throws Exception {
        try (RawHttp2Connection c = connect(target, "http", true)) {
            c.openStream(1, WATCH);
            // grpc-go's first PING is no strike, nor is one after the server sent headers or data; the third
            // strike gets the GOAWAY, right after that PING's acknowledgement
            for (long i = 1; i <= 10 && !c.goAway.isDone(); i++) {
                c.pingAndAwaitAckOrGoAway(i);
            }

            RawHttp2Connection.GoAway goAway = c.goAway.getNow(null);
            assertNotNull(goAway, "no GOAWAY after ten pings in a row on an http port");
            assertEquals(ENHANCE_YOUR_CALM, goAway.errorCode());
            assertEquals("too_many_pings", goAway.debugData());
            c.closed.get(30, TimeUnit.SECONDS);
        }
    }

    @Execution(ExecutionMode.CONCURRENT)
    @ParameterizedTest(name = "{0}")
    @EnumSource(Target.class)
    void onHttpASilentClientIsPingedAndDisconnected(Target target) throws Exception {
        try (RawHttp2Connection c = connect(target, "http", false)) {
            c.openStream(1, WATCH);

            assertNotNull(c.pings.poll(30, TimeUnit.SECONDS), "no keepalive ping on an http port");
            c.closed.get(30, TimeUnit.SECONDS);
            assertNull(c.goAway.getNow(null), "grpc-go closes a connection whose ping went unanswered without GOAWAY");
        }
    }
}
