package io.kvorum.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code kvorum snapshot save} against a member serving client TLS with client certificate auth,
 * with etcdctl's flags: {@code --cacert} with {@code --cert} and {@code --key} (an EC key in
 * SEC1 form) saves the same file etcdctl saves; {@code --insecure-skip-tls-verify} saves without
 * the CA; a server certificate nothing trusts is refused with the reason and leaves no file.
 */
class SnapshotSaveTlsTest {

    @Test
    void snapshotSaveOverMutualTlsTakesEtcdctlsFlags() throws Exception {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "kvorum's own command");
        Etcdctl etcdctl = Etcdctl.require();
        Path dir = ServerSpec.fresh("snapshot-save-tls").workDir();
        Issued ca = TestPki.ca("kvorum-test-ca");
        Path caFile = TestPki.write(dir.resolve("ca.crt"), TestPki.certificatePem(ca.certificate()));
        Issued server = TestPki.leaf(ca, "server", TestPki.ec("secp256r1"));
        Path serverKey = TestPki.write(dir.resolve("server.key"), TestPki.keyPem(server.key(), KeyFormat.PKCS8));
        Path serverCert = TestPki.write(dir.resolve("server.crt"),
                TestPki.certificatePem(server.certificate(), ca.certificate()));
        Issued client = TestPki.leaf(ca, "root", TestPki.ec("secp256r1"));
        Path clientCert = TestPki.write(dir.resolve("client.crt"), TestPki.certificatePem(client.certificate()));
        Path clientKey = TestPki.write(dir.resolve("client.key"), TestPki.keyPem(client.key(), KeyFormat.TRADITIONAL));
        List<String> clientFlags = List.of("--cert", clientCert.toString(), "--key", clientKey.toString());

        try (TlsMember member = TlsMember.start(dir, List.of("https://127.0.0.1:0"), List.of(
                "--cert-file", serverCert.toString(), "--key-file", serverKey.toString(),
                "--trusted-ca-file", caFile.toString(), "--client-cert-auth"))) {
            URI url = member.url("https");
            List<String> etcdctlFlags = new ArrayList<>(List.of("--cacert", caFile.toString()));
            etcdctlFlags.addAll(clientFlags);
            List<String> put = new ArrayList<>(etcdctlFlags);
            put.addAll(List.of("put", "/k", "over tls"));
            assertEquals(0, etcdctl.run(url, put, "").exitCode());

            Path byKvorum = dir.resolve("kvorum.db");
            List<String> withCa = new ArrayList<>(List.of("--cacert", caFile.toString()));
            withCa.addAll(clientFlags);
            ManagedProcess saved = save(dir, url, byKvorum, withCa);
            assertEquals(0, saved.exitValue(), saved.stdoutText() + saved.stderrText());
            assertEquals("Snapshot saved at " + byKvorum + "\n", saved.stdoutText());
            Path byEtcdctl = dir.resolve("etcdctl.db");
            List<String> etcdctlSave = new ArrayList<>(etcdctlFlags);
            etcdctlSave.addAll(List.of("snapshot", "save", byEtcdctl.toString()));
            assertEquals(0, etcdctl.run(url, etcdctlSave, "").exitCode());
            assertEquals(status(etcdctl, url, byEtcdctl), status(etcdctl, url, byKvorum));

            List<String> insecure = new ArrayList<>(List.of("--insecure-skip-tls-verify"));
            insecure.addAll(clientFlags);
            Path skipped = dir.resolve("insecure.db");
            ManagedProcess insecureSave = save(dir, url, skipped, insecure);
            assertEquals(0, insecureSave.exitValue(), insecureSave.stderrText());
            assertEquals(status(etcdctl, url, byEtcdctl), status(etcdctl, url, skipped));

            // no --cacert and no --insecure-skip-tls-verify: the test CA is nobody's, the server not trusted
            Path file = dir.resolve("refused.db");
            ManagedProcess p = save(dir, url, file, clientFlags);
            assertNotEquals(0, p.exitValue(), p.stdoutText());
            assertTrue(p.stderrText().lines().anyMatch(l -> l.startsWith("Error: ")), p.stderrText());
            assertFalse(Files.exists(file));
            assertFalse(Files.exists(dir.resolve("refused.db.part")));
        }
    }

    /** etcdctl snapshot status (which reads the file and contacts nobody). */
    private static String status(Etcdctl etcdctl, URI url, Path file) {
        Etcdctl.Result r = etcdctl.run(url, List.of("snapshot", "status", file.toString(), "-w", "json"), "");
        assertEquals(0, r.exitCode(), r.stderr());
        return r.stdout();
    }

    private static ManagedProcess save(Path dir, URI url, Path file, List<String> flags) {
        List<String> command = new ArrayList<>(List.of(KvorumProcess.home().resolve("bin").resolve("kvorum").toString(),
                "snapshot", "save", file.toString(), "--endpoints", url.toString()));
        command.addAll(flags);
        ManagedProcess p = ManagedProcess.start("kvorum-snapshot-save", command, dir.resolve("save-" + System.nanoTime()),
                Map.of());
        assertTrue(p.waitFor(Duration.ofSeconds(60)), "kvorum snapshot save did not end");
        return p;
    }
}
