package io.kvorum.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.tls.testing.TestPki;
import io.kvorum.tls.testing.TestPki.Issued;
import io.kvorum.tls.testing.TestPki.KeyFormat;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * etcd's CN authentication: with {@code --client-cert-auth} and auth enabled, an etcdctl call
 * without {@code --user} is made as the user its client certificate's common name names; with
 * {@code --user} the password's token wins. The same steps run against real etcd and kvorum, both
 * over mutual TLS with certificates made by the test, and each step must end alike (exit code,
 * output, etcdctl's error line). Through the JSON gateway a certificate names nobody, as in etcd,
 * whose gateway calls the server with the server's own certificate.
 */
@Timeout(240)
class CertificateAuthTest {

    /** One step: as whom (the certificate's CN), then etcdctl's arguments. */
    private record Step(String cert, List<String> args) {
    }

    private static Step as(String cert, String... args) {
        return new Step(cert, List.of(args));
    }

    private static final List<Step> STEPS = List.of(
            as("root", "user", "add", "root:rootpw"),
            as("root", "user", "add", "alice:alicepw"),
            as("root", "role", "add", "rw"),
            as("root", "role", "grant-permission", "rw", "readwrite", "k", "--prefix"),
            as("root", "user", "grant-role", "alice", "rw"),
            as("alice", "auth", "enable"),
            as("root", "auth", "enable"),
            as("root", "put", "k1", "v1"),
            as("root", "put", "other", "x"),
            as("root", "user", "list"),
            as("alice", "get", "k1"),
            as("alice", "put", "k2", "v2"),
            as("alice", "get", "k", "--prefix"),
            as("alice", "get", "other"),
            as("alice", "put", "other", "y"),
            as("alice", "del", "other"),
            as("alice", "txn", "--interactive=false"),
            as("alice", "lease", "grant", "60"),
            as("alice", "user", "list"),
            as("alice", "user", "get", "alice"),
            as("alice", "auth", "disable"),
            as("alice", "put", "other", "z", "--user", "root:rootpw"),
            as("alice", "get", "other", "--user", "alice:wrong"),
            as("root", "get", "k2", "--user", "alice:alicepw"),
            as("root", "put", "other", "z2", "--user", "alice:alicepw"),
            as("bob", "get", "k1"),
            as("bob", "put", "k3", "v"),
            as("root", "get", "", "--from-key"),
            as("root", "auth", "disable"),
            as("bob", "put", "k3", "v"));

    @Test
    void etcdctlWithACertificateIsTheUserItsCommonNamesAsAtRealEtcd() {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "compares kvorum with etcd");
        assumeTrue(Binaries.etcd().isPresent() || Binaries.onCi(), "needs real etcd as the oracle");
        Etcdctl etcdctl = Etcdctl.require();
        Path dir = ServerSpec.fresh("cert-auth").workDir();
        Issued ca = TestPki.ca("kvorum-cert-auth-ca");
        Path caFile = TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(ca.certificate()));
        Issued server = TestPki.leaf(ca, "server", TestPki.rsa());
        Path serverCert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(server.certificate()));
        Path serverKey = TestPki.write(dir.resolve("server.key"), TestPki.keyPem(server.key(), KeyFormat.TRADITIONAL));
        Map<String, List<String>> clients = new java.util.HashMap<>();
        Issued alicesCertificate = null;
        for (String cn : List.of("root", "alice", "bob")) {
            Issued c = TestPki.leaf(ca, cn, TestPki.ec("secp256r1"));
            if (cn.equals("alice")) {
                alicesCertificate = c;
            }
            Path cert = TestPki.write(dir.resolve(cn + ".crt"), TestPki.certificatePem(c.certificate()));
            Path key = TestPki.write(dir.resolve(cn + ".key"), TestPki.keyPem(c.key(), KeyFormat.PKCS8));
            clients.put(cn, List.of("--cacert", caFile.toString(), "--cert", cert.toString(), "--key", key.toString()));
        }
        List<String> tlsFlags = List.of("--cert-file", serverCert.toString(), "--key-file", serverKey.toString(),
                "--trusted-ca-file", caFile.toString(), "--client-cert-auth");

        try (ManagedProcess etcd = startEtcd(dir.resolve("etcd"), tlsFlags, etcdctl, clients.get("root"));
             TlsMember kvorum = TlsMember.start(dir.resolve("kvorum"), List.of("https://127.0.0.1:0"), tlsFlags)) {
            URI kvorumUrl = kvorum.url("https");
            StringBuilder diffs = new StringBuilder();
            for (Step step : STEPS) {
                List<String> args = new ArrayList<>(clients.get(step.cert()));
                args.addAll(step.args());
                Etcdctl.Result want = etcdctl.run(etcdUrl, args, "");
                Etcdctl.Result got = etcdctl.run(kvorumUrl, args, "");
                String w = render(want);
                String g = render(got);
                if (!w.equals(g)) {
                    diffs.append("\n=== as ").append(step.cert()).append(": ").append(step.args())
                            .append("\n--- real etcd:\n").append(w).append("--- kvorum:\n").append(g);
                }
            }
            // auth is off again: turn it on for the gateway's turn
            for (URI url : List.of(etcdUrl, kvorumUrl)) {
                assertEquals(0, etcdctl.run(url, join(clients.get("root"), "auth", "enable"), "").exitCode());
            }
            // etcd's JSON gateway never takes a certificate's CN for the user: without a token, none
            HttpClient https = httpsClient(ca, alicesCertificate);
            for (String path : List.of("/v3/kv/range", "/v3/kv/put")) {
                String body = "{\"key\":\"azE=\",\"value\":\"dg==\"}";
                String want = post(https, etcdUrl, path, body);
                String got = post(https, kvorumUrl, path, body);
                if (!want.equals(got)) {
                    diffs.append("\n=== gateway ").append(path).append(" with alice's certificate\n--- real etcd:\n")
                            .append(want).append("\n--- kvorum:\n").append(got);
                }
            }
            assertEquals("", diffs.toString(), "steps that end differently" + diffs);
            // the steps exercised both sides of the rule
            Etcdctl.Result alice = etcdctl.run(kvorumUrl, join(clients.get("alice"), "get", "k2"), "");
            assertTrue(alice.stdout().contains("v2"), alice.toString());
        }
    }

    private URI etcdUrl;

    /** A client trusting {@code ca} and presenting {@code client}'s certificate, over HTTP/1.1. */
    static HttpClient httpsClient(Issued ca, Issued client) {
        try {
            char[] password = "test".toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", client.key(), password, new Certificate[] {client.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The status and body of a gateway call, without a token. */
    private static String post(HttpClient https, URI server, String path, String body) {
        try {
            HttpResponse<String> r = https.send(HttpRequest.newBuilder(server.resolve(path))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body().strip();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private ManagedProcess startEtcd(Path workDir, List<String> tlsFlags, Etcdctl etcdctl, List<String> rootCert) {
        int clientPort = FreePorts.pick();
        int peerPort = FreePorts.pick();
        etcdUrl = URI.create("https://127.0.0.1:" + clientPort);
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> command = new ArrayList<>(List.of(Binaries.etcd().orElseThrow().toString(),
                "--name", "cert-auth", "--data-dir", workDir.resolve("data").toString(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "cert-auth=" + peer,
                "--listen-client-urls", etcdUrl.toString(), "--advertise-client-urls", etcdUrl.toString(),
                "--logger", "zap", "--log-outputs", "stderr"));
        command.addAll(tlsFlags);
        ManagedProcess etcd = ManagedProcess.start("etcd-cert-auth", command, workDir.resolve("log"), Map.of());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (etcdctl.run(etcdUrl, join(rootCert, "endpoint", "health"), "").exitCode() == 0) {
                return etcd;
            }
            if (!etcd.isAlive()) {
                break;
            }
            ManagedProcess.pause(200);
        }
        String tail = etcd.tail(40);
        etcd.close();
        throw new IllegalStateException("etcd did not serve over TLS\n" + tail);
    }

    private static List<String> join(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all;
    }

    /** Exit code, output and etcdctl's own error lines (its client library's log lines carry times and ids). */
    private static String render(Etcdctl.Result r) {
        // lease ids are the servers' own
        StringBuilder s = new StringBuilder("exit " + r.exitCode() + "\n"
                + r.stdout().replaceAll("lease [0-9a-f]+ granted", "lease <id> granted"));
        r.stderr().lines().filter(l -> l.startsWith("Error:")).forEach(l -> s.append(l).append('\n'));
        return s.toString();
    }
}
