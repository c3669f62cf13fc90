package io.kvorum.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.tls.testing.TestPki;
import io.kvorum.tls.testing.TestPki.Issued;
import io.kvorum.tls.testing.TestPki.KeyFormat;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The client port over TLS and mutual TLS, as etcdctl sees it: served with the CA, refused without
 * a client certificate, with one from another CA or with one the CRL lists, and served again from
 * files rotated in place while the member runs, without dropping an open watch. {@code kvorum
 * snapshot save} takes etcdctl's TLS flags against the mutual TLS member ({@link SnapshotSaveOverTls}).
 *
 * <p>The cases run side by side, each with its own member, folder and certificates: much of a case
 * is waiting, for a member to start or for etcdctl to give up on a refused handshake.
 */
class ClientTlsTest {

    private static Etcdctl etcdctl;

    @BeforeAll
    static void onlyForTheDistribution() {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "kvorum's own start checks and reload");
        etcdctl = Etcdctl.require();
    }

    /** A client's files: its certificate and key, and the CA bundle it trusts the server by. */
    private record ClientFiles(Path cert, Path key, Path ca) {
        List<String> flags() {
            List<String> flags = new ArrayList<>(List.of("--cacert", ca.toString()));
            if (cert != null) {
                flags.addAll(List.of("--cert", cert.toString(), "--key", key.toString()));
            }
            return flags;
        }
    }

    @Execution(ExecutionMode.CONCURRENT)
    @Test
    void anHttpsListenerServesEtcdctlWithTheCaWhileAnHttpListenerBesideItStaysPlaintext() {
        Path dir = ServerSpec.fresh("client-tls").workDir();
        Issued ca = TestPki.ca("kvorum-test-ca");
        Path caFile = TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(ca.certificate()));
        List<String> serverFlags = serverFiles(dir, "server", ca, KeyFormat.TRADITIONAL);
        try (TlsMember member = TlsMember.start(dir, List.of("https://127.0.0.1:0", "http://127.0.0.1:0"), serverFlags)) {
            URI https = member.url("https");
            URI http = member.url("http");
            ClientFiles trusting = new ClientFiles(null, null, caFile);

            assertOk(run(https, trusting, "put", "greeting", "over tls"));
            assertEquals("greeting\nover tls\n", assertOk(run(https, trusting, "get", "greeting")).stdout());
            assertEquals("greeting\nover tls\n", assertOk(etcdctl.run(http, List.of("get", "greeting"), "")).stdout());

            // The https port speaks TLS only; a TLS client that does not trust its CA is refused.
            assertRefused(etcdctl.run(URI.create("http://127.0.0.1:" + https.getPort()), quick("get", "greeting"), ""));
            assertRefused(etcdctl.run(https, quick("--insecure-transport=false", "get", "greeting"), ""));

            // etcd's log lines for each kind of listener, with the address served
            String log = member.process.stderrText();
            assertTrue(log.lines().anyMatch(l -> l.contains("\"msg\":\"serving client traffic securely\",\"address\":\"127.0.0.1:"
                    + https.getPort() + "\"")), log);
            assertTrue(log.lines().anyMatch(l -> l.contains("\"msg\":\"serving client traffic insecurely; this is strongly"
                    + " discouraged!\",\"address\":\"127.0.0.1:" + http.getPort() + "\"")), log);
        }
    }

    @Execution(ExecutionMode.CONCURRENT)
    @Test
    void mutualTlsAcceptsCertificatesOfEveryCaInTheBundleAndRefusesNoneStrangersAndRevokedOnes() {
        Path dir = ServerSpec.fresh("client-mtls").workDir();
        Issued ca = TestPki.ca("kvorum-test-ca");
        Issued second = TestPki.ca("kvorum-second-ca");
        Issued stranger = TestPki.ca("stranger-ca");
        Path caFile = TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(ca.certificate(), second.certificate()));
        ClientFiles alice = client(dir, "alice", ca, caFile);
        ClientFiles bob = client(dir, "bob", second, caFile);
        ClientFiles mallory = client(dir, "mallory", stranger, caFile);
        Issued revoked = TestPki.leaf(ca, "revoked", TestPki.ec("secp256r1"));
        ClientFiles eve = files(dir, "eve", revoked, caFile);
        Path crl = TestPki.write(dir.resolve("ca.crl"), TestPki.crlPem(ca, revoked.certificate()));

        List<String> flags = new ArrayList<>(serverFiles(dir, "server", ca, KeyFormat.PKCS8));
        flags.addAll(List.of("--trusted-ca-file", caFile.toString(), "--client-cert-auth",
                "--client-crl-file", crl.toString()));
        try (TlsMember member = TlsMember.start(dir, List.of("https://127.0.0.1:0"), flags)) {
            URI url = member.url("https");
            assertOk(run(url, alice, "put", "k", "from alice"));
            assertEquals("k\nfrom alice\n", assertOk(run(url, bob, "get", "k")).stdout());

            assertRefused(run(url, new ClientFiles(null, null, caFile), "get", "k"));
            assertRefused(run(url, mallory, "get", "k"));
            assertRefused(run(url, eve, "get", "k"));

            SnapshotSaveOverTls.check(etcdctl, dir, url, caFile, alice.cert(), alice.key());
        }
    }

    @Execution(ExecutionMode.CONCURRENT)
    @Test
    void filesRotatedInPlaceAreServedWithoutARestartAndAnOpenWatchStaysUp() throws Exception {
        Path dir = ServerSpec.fresh("client-tls-rotate").workDir();
        Issued oldCa = TestPki.ca("kvorum-old-ca");
        Path caFile = TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(oldCa.certificate()));
        Path crl = TestPki.write(dir.resolve("ca.crl"), TestPki.crlPem(oldCa));
        // The client keeps its own copy of the CA it trusts the server by.
        ClientFiles oldClient = client(dir, "old-client", oldCa,
                TestPki.write(dir.resolve("old-client-ca.crt"), TestPki.certificatePem(oldCa.certificate())));
        List<String> flags = new ArrayList<>(serverFiles(dir, "server", oldCa, KeyFormat.TRADITIONAL));
        flags.addAll(List.of("--trusted-ca-file", caFile.toString(), "--client-cert-auth",
                "--client-crl-file", crl.toString(), "--tls-opt", "reload-interval-ms=200"));
        try (TlsMember member = TlsMember.start(dir, List.of("https://127.0.0.1:0"), flags)) {
            URI url = member.url("https");
            long pid = member.process.pid();
            assertOk(run(url, oldClient, "put", "k", "before"));
            List<String> watchArgs = new ArrayList<>(oldClient.flags());
            watchArgs.addAll(List.of("watch", "k"));
            try (ManagedProcess watch = etcdctl.start(url, watchArgs, dir.resolve("watch"))) {
                ManagedProcess.pause(1000);

                // Rotate everything in place: a new CA, the server's certificate and key from it, its CRL.
                Issued newCa = TestPki.ca("kvorum-new-ca");
                Path newClientCa = TestPki.write(dir.resolve("new-client-ca.crt"), TestPki.certificatePem(newCa.certificate()));
                ClientFiles newClient = client(dir, "new-client", newCa, newClientCa);
                Issued doomed = TestPki.leaf(newCa, "doomed", TestPki.ec("secp256r1"));
                ClientFiles doomedClient = files(dir, "doomed", doomed, newClientCa);
                serverFiles(dir, "server", newCa, KeyFormat.PKCS8);
                TestPki.write(caFile, TestPki.certificatePem(newCa.certificate()));
                TestPki.write(crl, TestPki.crlPem(newCa, doomed.certificate()));

                awaitOk(url, newClient, "put", "k", "after");
                assertEquals(pid, member.process.pid());
                assertTrue(member.process.isAlive());
                // The old CA is no longer trusted, and the new CRL is in force.
                assertRefused(run(url, new ClientFiles(oldClient.cert(), oldClient.key(), newClientCa), "get", "k"));
                assertRefused(run(url, doomedClient, "get", "k"));

                // The watch opened before the rotation still delivers.
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (!watch.stdoutText().contains("after") && System.nanoTime() < deadline) {
                    ManagedProcess.pause(100);
                }
                assertTrue(watch.stdoutText().contains("PUT\nk\nafter"), watch.stdoutText() + watch.stderrText());
            }
        }
    }

    @Execution(ExecutionMode.CONCURRENT)
    @Test
    void unusableFilesFailTheStartWithExitOneNamingTheFlagAndTheFile() {
        Path dir = ServerSpec.fresh("client-tls-bad").workDir();
        Issued ca = TestPki.ca("kvorum-test-ca");
        Issued leaf = TestPki.leaf(ca, "server", TestPki.ec("secp256r1"));
        Path cert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(leaf.certificate()));
        Path otherKey = TestPki.write(dir.resolve("other.key"),
                TestPki.keyPem(TestPki.ec("secp256r1").getPrivate(), KeyFormat.PKCS8));
        ManagedProcess mismatch = TlsMember.startFailing(dir.resolve("mismatch"), List.of("https://127.0.0.1:0"),
                List.of("--cert-file", cert.toString(), "--key-file", otherKey.toString()));
        assertEquals(1, mismatch.exitValue(), mismatch.tail(20));
        assertTrue(mismatch.stderrText().contains("kvorum: --key-file " + otherKey
                + ": the private key does not match the certificate in --cert-file " + cert), mismatch.stderrText());

        Path notPem = TestPki.write(dir.resolve("not-pem.crt"), "hello\n");
        Path key = TestPki.write(dir.resolve("server.key"), TestPki.keyPem(leaf.key(), KeyFormat.PKCS8));
        ManagedProcess garbage = TlsMember.startFailing(dir.resolve("garbage"), List.of("https://127.0.0.1:0"),
                List.of("--cert-file", notPem.toString(), "--key-file", key.toString()));
        assertEquals(1, garbage.exitValue(), garbage.tail(20));
        assertTrue(garbage.stderrText().contains("kvorum: --cert-file " + notPem + ": "), garbage.stderrText());

        Issued expired = TestPki.leaf(ca, "expired", TestPki.ec("secp256r1"), Instant.now().minus(Duration.ofDays(2)),
                Instant.now().minus(Duration.ofDays(1)), List.of("127.0.0.1"));
        Path expiredCert = TestPki.write(dir.resolve("expired.crt"), TestPki.certificatePem(expired.certificate()));
        Path expiredKey = TestPki.write(dir.resolve("expired.key"), TestPki.keyPem(expired.key(), KeyFormat.PKCS8));
        ManagedProcess old = TlsMember.startFailing(dir.resolve("expired"), List.of("https://127.0.0.1:0"),
                List.of("--cert-file", expiredCert.toString(), "--key-file", expiredKey.toString()));
        assertEquals(1, old.exitValue(), old.tail(20));
        assertTrue(old.stderrText().contains("kvorum: --cert-file " + expiredCert + ": the certificate CN=expired expired on"),
                old.stderrText());
    }

    @Execution(ExecutionMode.CONCURRENT)
    @Test
    void autoTlsServesASelfSignedCertificateKeptInTheDataDirectory() {
        Path dir = ServerSpec.fresh("client-auto-tls").workDir();
        try (TlsMember member = TlsMember.start(dir, List.of("https://127.0.0.1:0"),
                List.of("--auto-tls", "--self-signed-cert-validity", "2"))) {
            URI url = member.url("https");
            // etcdctl speaks TLS only when told to: --insecure-transport=false.
            assertOk(etcdctl.run(url, List.of("--insecure-transport=false", "--insecure-skip-tls-verify", "put", "k", "v"), ""));
            assertRefused(etcdctl.run(url, quick("--insecure-transport=false", "get", "k"), ""));
            Path cert = dir.resolve("data/fixtures/client/cert.pem");
            assertTrue(java.nio.file.Files.exists(cert), "no " + cert);
            assertTrue(java.nio.file.Files.exists(dir.resolve("data/fixtures/client/key.pem")));
            // Trusting the generated certificate as a CA works too: it names 127.0.0.1.
            assertEquals("k\nv\n", assertOk(etcdctl.run(url, List.of("--cacert", cert.toString(), "get", "k"), ""))
                    .stdout());
        }
    }

    @Execution(ExecutionMode.CONCURRENT)
    @Test
    void tlsVersionsAndCipherSuitesAreThoseTheFlagsName() throws Exception {
        Path dir = ServerSpec.fresh("client-tls-suites").workDir();
        Issued ca = TestPki.ca("kvorum-test-ca");
        Path caFile = TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(ca.certificate()));
        List<String> flags = new ArrayList<>(serverFiles(dir, "server", ca, KeyFormat.PKCS8));
        flags.addAll(List.of("--tls-max-version", "TLS1.2", "--cipher-suites", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"));
        try (TlsMember member = TlsMember.start(dir, List.of("https://127.0.0.1:0"), flags)) {
            URI url = member.url("https");
            assertOk(run(url, new ClientFiles(null, null, caFile), "put", "k", "v"));

            assertEquals("TLSv1.2/TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                    handshake(url, ca, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"));
            assertEquals("refused", handshake(url, ca, "TLSv1.3", "TLS_AES_128_GCM_SHA256"));
            assertEquals("refused", handshake(url, ca, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        }
    }

    /** The protocol and suite a JDK client negotiates offering only {@code protocol} and {@code suite}, or "refused". */
    private static String handshake(URI url, Issued ca, String protocol, String suite) throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                .createSocket(url.getHost(), url.getPort())) {
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {protocol});
            socket.setEnabledCipherSuites(new String[] {suite});
            socket.startHandshake();
            return socket.getSession().getProtocol() + "/" + socket.getSession().getCipherSuite();
        } catch (javax.net.ssl.SSLException e) {
            return "refused";
        }
    }

    @Execution(ExecutionMode.CONCURRENT)
    @Test
    void thePluginsCommandListsTheTlsProvider() {
        ManagedProcess plugins = ManagedProcess.start("kvorum-plugins",
                List.of(KvorumProcess.home().resolve("bin/kvorum").toString(), "plugins"),
                ServerSpec.fresh("plugins-tls").workDir(), Map.of());
        assertTrue(plugins.waitFor(Duration.ofSeconds(60)));
        assertEquals(0, plugins.exitValue(), plugins.tail(20));
        assertTrue(plugins.stdoutText().contains("TLS plugins (--tls <name>):\n\n  --tls pem\n"), plugins.stdoutText());
    }

    /** Writes {@code <name>.crt} and {@code <name>.key} (in place, when they exist) for 127.0.0.1, signed by {@code ca}. */
    private static List<String> serverFiles(Path dir, String name, Issued ca, KeyFormat format) {
        Issued server = TestPki.leaf(ca, name, TestPki.rsa());
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        // Key first, then certificate: the member keeps the old pair until both agree.
        TestPki.write(key, TestPki.keyPem(server.key(), format));
        TestPki.write(cert, TestPki.certificatePem(server.certificate(), ca.certificate()));
        return List.of("--cert-file", cert.toString(), "--key-file", key.toString());
    }

    private static ClientFiles client(Path dir, String name, Issued ca, Path trusted) {
        return files(dir, name, TestPki.leaf(ca, name, TestPki.ec("secp256r1")), trusted);
    }

    private static ClientFiles files(Path dir, String name, Issued issued, Path trusted) {
        Path cert = TestPki.write(dir.resolve(name + ".crt"), TestPki.certificatePem(issued.certificate()));
        Path key = TestPki.write(dir.resolve(name + ".key"), TestPki.keyPem(issued.key(), KeyFormat.TRADITIONAL));
        return new ClientFiles(cert, key, trusted);
    }

    private static Etcdctl.Result run(URI url, ClientFiles client, String... command) {
        List<String> args = new ArrayList<>(client.flags());
        args.addAll(quick(command));
        return etcdctl.run(url, args, "");
    }

    private static List<String> quick(String... command) {
        List<String> args = new ArrayList<>(List.of("--dial-timeout", "2s", "--command-timeout", "4s"));
        args.addAll(List.of(command));
        return args;
    }

    private static Etcdctl.Result assertOk(Etcdctl.Result result) {
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        return result;
    }

    private static void assertRefused(Etcdctl.Result result) {
        assertNotEquals(0, result.exitCode(), "expected a refusal, got: " + result.stdout());
    }

    private static void awaitOk(URI url, ClientFiles client, String... command) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Etcdctl.Result last;
        do {
            last = run(url, client, command);
            if (last.exitCode() == 0) {
                return;
            }
            ManagedProcess.pause(200);
        } while (System.nanoTime() < deadline);
        assertOk(last);
    }
}
