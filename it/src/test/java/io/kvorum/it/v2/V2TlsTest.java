package io.kvorum.it.v2;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.tls.testing.TestPki;
import io.kvorum.tls.testing.TestPki.Issued;
import io.kvorum.tls.testing.TestPki.KeyFormat;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code ETCDCTL_API=2 etcdctl} over client TLS with client certificates ({@code --cert-file},
 * {@code --key-file}, {@code --ca-file}) against a member serving https with
 * {@code --client-cert-auth} and {@code --enable-v2}, step by step against real etcd 3.4 and
 * kvorum at the same time; certificates made by the test. Without a client certificate etcdctl is
 * refused by both.
 */
class V2TlsTest {

    @Test
    void etcdctlV2WithClientCertificatesAnswersAsRealEtcdDoes() {
        Path etcdctl = Binaries.etcdctl().orElse(null);
        assumeTrue(etcdctl != null && Binaries.etcd().isPresent(),
                "needs etcd and etcdctl (Debian packages etcd-server, etcd-client) as the oracle");
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "starts both servers itself");
        ServerSpec etcdSpec = ServerSpec.fresh("v2-tls-etcd");
        ServerSpec kvorumSpec = ServerSpec.fresh("v2-tls-kvorum");
        Issued ca = TestPki.ca("kvorum-v2-ca");
        try {
            CompletableFuture<List<String>> oracle = CompletableFuture.supplyAsync(() -> run(etcdSpec, ca, etcdctl, true));
            List<String> actual = run(kvorumSpec, ca, etcdctl, false);
            V2ClientsTest.assertSameSteps(oracle.join(), actual);
        } finally {
            etcdSpec.deleteData();
            kvorumSpec.deleteData();
        }
    }

    private static List<String> run(ServerSpec spec, Issued ca, Path etcdctl, boolean etcd) {
        Path dir = spec.workDir();
        Path caFile = TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(ca.certificate()));
        Issued server = TestPki.leaf(ca, "server", TestPki.rsa());
        Path serverCert = TestPki.write(dir.resolve("server.crt"), TestPki.certificatePem(server.certificate(), ca.certificate()));
        Path serverKey = TestPki.write(dir.resolve("server.key"), TestPki.keyPem(server.key(), KeyFormat.TRADITIONAL));
        Issued client = TestPki.leaf(ca, "client", TestPki.ec("secp256r1"));
        Path clientCert = TestPki.write(dir.resolve("client.crt"), TestPki.certificatePem(client.certificate()));
        Path clientKey = TestPki.write(dir.resolve("client.key"), TestPki.keyPem(client.key(), KeyFormat.TRADITIONAL));

        String peer = "http://127.0.0.1:" + FreePorts.pick();
        String listen = "https://127.0.0.1:" + (etcd ? FreePorts.pick() : 0);
        List<String> command = new ArrayList<>(List.of(
                etcd ? Binaries.etcd().orElseThrow().toString() : KvorumProcess.home().resolve("bin/kvorum").toString(),
                "--name", "tls", "--data-dir", spec.dataDir().toString(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "tls=" + peer,
                "--listen-client-urls", listen, "--advertise-client-urls", listen,
                "--cert-file", serverCert.toString(), "--key-file", serverKey.toString(),
                "--trusted-ca-file", caFile.toString(), "--client-cert-auth", "--enable-v2"));
        if (etcd) {
            command.addAll(List.of("--logger", "zap", "--log-outputs", "stderr"));
        }
        List<String> tls = List.of("--ca-file", caFile.toString(), "--cert-file", clientCert.toString(),
                "--key-file", clientKey.toString());
        try (ManagedProcess process = ManagedProcess.start(etcd ? "etcd-tls" : "kvorum-tls", command,
                dir.resolve("log-" + System.nanoTime()), Map.of())) {
            URI url = etcd ? URI.create(listen) : process.awaitServing();
            V2Steps s = new V2Steps(url, etcdctl, tls);
            awaitReady(s, process);
            s.etcdctl("set", "/t/a", "1");
            s.etcdctl("get", "/t/a");
            s.etcdctl("mk", "/t/b", "2");
            s.etcdctl("mkdir", "/t/d");
            s.etcdctl("update", "/t/a", "3");
            s.etcdctl("get", "--quorum", "/t/a");
            s.etcdctl("ls", "-r", "-p", "--sort", "/t");
            s.etcdctl("rm", "/t/b");
            s.etcdctl("rmdir", "/t/d");
            s.etcdctl("-o", "json", "get", "/t/a");
            s.etcdctl("member", "list");
            s.etcdctl("cluster-health");
            V2Steps withoutCertificate = new V2Steps(url, etcdctl, List.of("--ca-file", caFile.toString()));
            withoutCertificate.etcdctl("--total-timeout", "3s", "get", "/t/a");
            assertFalse(withoutCertificate.transcript().get(0).contains("\nexit 0\n"), withoutCertificate.transcript().get(0));
            List<String> transcript = new ArrayList<>(s.transcript());
            transcript.addAll(withoutCertificate.transcript());
            return transcript;
        }
    }

    /** etcd prints no line kvorum's harness waits for: both are ready once etcdctl can list the root. */
    private static void awaitReady(V2Steps s, ManagedProcess process) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!s.succeeds("ls", "/")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the member did not serve etcdctl over TLS\n" + process.tail(40));
            }
            ManagedProcess.pause(200);
        }
    }
}
