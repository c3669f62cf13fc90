package io.kvorum.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.tls.testing.TestPki;
import io.kvorum.tls.testing.TestPki.Issued;
import io.kvorum.tls.testing.TestPki.KeyFormat;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * etcd's v2 auth with {@code --client-cert-auth}: a v2 request without a basic auth header is made
 * as the user its client certificate's common name names (else as guest); with the header, the
 * header's user. The same requests go to real etcd and kvorum, both with {@code --enable-v2} over
 * mutual TLS with certificates made by the test; statuses and bodies must be equal (indexes aside).
 */
@Timeout(240)
class V2CertificateAuthTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String JSON = "application/json";

    /** One request: as whom (the certificate's CN), with which basic auth (or none), and what. */
    private record Step(String cert, String basic, String method, String path, String contentType, String body) {
    }

    private static final List<Step> STEPS = List.of(
            new Step("root", null, "PUT", "/v2/auth/users/root", JSON, "{\"user\":\"root\",\"password\":\"rootpw\"}"),
            new Step("root", null, "PUT", "/v2/auth/users/alice", JSON, "{\"user\":\"alice\",\"password\":\"a\"}"),
            new Step("root", null, "PUT", "/v2/auth/roles/rw", JSON,
                    "{\"role\":\"rw\",\"permissions\":{\"kv\":{\"read\":[\"/k/*\"],\"write\":[\"/k/*\"]}}}"),
            new Step("root", null, "PUT", "/v2/auth/users/alice", JSON, "{\"user\":\"alice\",\"grant\":[\"rw\"]}"),
            new Step("root", null, "PUT", "/v2/keys/k/a", FORM, "value=1"),
            new Step("root", null, "PUT", "/v2/keys/other", FORM, "value=1"),
            new Step("alice", null, "PUT", "/v2/auth/enable", null, null),
            new Step("root", null, "PUT", "/v2/auth/enable", null, null),
            new Step("root", null, "PUT", "/v2/auth/roles/guest", JSON,
                    "{\"role\":\"guest\",\"revoke\":{\"kv\":{\"read\":[\"/*\"],\"write\":[\"/*\"]}}}"),
            new Step("alice", null, "GET", "/v2/keys/k/a", null, null),
            new Step("alice", null, "PUT", "/v2/keys/k/b", FORM, "value=2"),
            new Step("alice", null, "GET", "/v2/keys/other", null, null),
            new Step("alice", null, "GET", "/v2/auth/users", null, null),
            new Step("bob", null, "GET", "/v2/keys/k/a", null, null),
            new Step("bob", "alice:a", "GET", "/v2/keys/k/a", null, null),
            new Step("alice", "root:rootpw", "GET", "/v2/keys/other", null, null),
            new Step("alice", "root:wrong", "GET", "/v2/keys/k/a", null, null),
            new Step("root", null, "GET", "/v2/auth/users", null, null),
            new Step("root", null, "DELETE", "/v2/auth/enable", null, null),
            new Step("bob", null, "GET", "/v2/keys/other", null, null));

    @Test
    void aV2RequestWithACertificateIsTheUserItsCommonNamesAsAtRealEtcd() {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "compares kvorum with etcd");
        assumeTrue(Binaries.etcd().isPresent() || Binaries.onCi(), "needs real etcd as the oracle");
        Path dir = ServerSpec.fresh("v2-cert-auth").workDir();
        Issued ca = TestPki.ca("kvorum-v2-cert-auth-ca");
        Path caFile = TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(ca.certificate()));
        Issued server = TestPki.leaf(ca, "server", TestPki.rsa());
        Path serverCert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(server.certificate()));
        Path serverKey = TestPki.write(dir.resolve("server.key"), TestPki.keyPem(server.key(), KeyFormat.TRADITIONAL));
        Map<String, HttpClient> clients = new HashMap<>();
        for (String cn : List.of("root", "alice", "bob")) {
            clients.put(cn, CertificateAuthTest.httpsClient(ca, TestPki.leaf(ca, cn, TestPki.ec("secp256r1"))));
        }
        List<String> flags = List.of("--cert-file", serverCert.toString(), "--key-file", serverKey.toString(),
                "--trusted-ca-file", caFile.toString(), "--client-cert-auth", "--enable-v2");

        try (ManagedProcess etcd = startEtcd(dir.resolve("etcd"), flags, clients.get("root"));
             TlsMember kvorum = TlsMember.start(dir.resolve("kvorum"), List.of("https://127.0.0.1:0"), flags)) {
            URI kvorumUrl = kvorum.url("https");
            List<String> differences = new ArrayList<>();
            List<String> answers = new ArrayList<>();
            for (Step step : STEPS) {
                HttpClient client = clients.get(step.cert());
                String want = send(client, etcdUrl, step);
                String got = send(client, kvorumUrl, step);
                answers.add(got);
                if (!want.equals(got)) {
                    differences.add("as " + step.cert() + ": " + step + "\n--- real etcd:\n" + want + "\n--- kvorum:\n" + got);
                }
            }
            assertEquals(List.of(), differences);
            // the steps exercised both sides of the rule: alice's certificate reads her keys, bob's (guest) does not
            assertEquals(List.of("200", "401"), List.of(answers.get(9).substring(0, 3), answers.get(13).substring(0, 3)));
        }
    }

    private URI etcdUrl;

    private static String send(HttpClient client, URI server, Step step) {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.resolve(step.path())).timeout(Duration.ofSeconds(30))
                .method(step.method(), step.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(step.body()));
        if (step.contentType() != null) {
            b.header("Content-Type", step.contentType());
        }
        if (step.basic() != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    step.basic().getBytes(StandardCharsets.UTF_8)));
        }
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body().strip()
                    .replaceAll("\"(modifiedIndex|createdIndex|index)\":\\d+", "\"$1\":<n>");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private ManagedProcess startEtcd(Path workDir, List<String> flags, HttpClient root) {
        int clientPort = FreePorts.pick();
        String peer = "http://127.0.0.1:" + FreePorts.pick();
        etcdUrl = URI.create("https://127.0.0.1:" + clientPort);
        List<String> command = new ArrayList<>(List.of(Binaries.etcd().orElseThrow().toString(),
                "--name", "v2-cert-auth", "--data-dir", workDir.resolve("data").toString(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "v2-cert-auth=" + peer,
                "--listen-client-urls", etcdUrl.toString(), "--advertise-client-urls", etcdUrl.toString(),
                "--logger", "zap", "--log-outputs", "stderr"));
        command.addAll(flags);
        ManagedProcess etcd = ManagedProcess.start("etcd-v2-cert-auth", command, workDir.resolve("log"), Map.of());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && etcd.isAlive()) {
            try {
                if (root.send(HttpRequest.newBuilder(etcdUrl.resolve("/health")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return etcd;
                }
            } catch (IOException e) {
                // not serving yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            ManagedProcess.pause(200);
        }
        String tail = etcd.tail(40);
        etcd.close();
        throw new IllegalStateException("etcd did not serve over TLS\n" + tail);
    }
}
