package io.kvorum.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code kvorum snapshot save} against a member serving client TLS with client certificate auth,
 * with etcdctl's flags: {@code --cacert} with {@code --cert} and {@code --key} saves the file
 * etcdctl saves; {@code --insecure-skip-tls-verify} saves without the CA; a server certificate
 * nothing trusts is refused with the reason and leaves no file. Run on {@link ClientTlsTest}'s
 * mutual TLS member, which a start of its own would cost more than the saves.
 */
final class SnapshotSaveOverTls {
    private SnapshotSaveOverTls() {
    }

    /** @param ca the CA bundle trusting the member; {@code cert} and {@code key} a client the member accepts */
    static void check(Etcdctl etcdctl, Path dir, URI url, Path ca, Path cert, Path key) {
        List<String> clientFlags = List.of("--cert", cert.toString(), "--key", key.toString());
        List<String> withCa = new ArrayList<>(List.of("--cacert", ca.toString()));
        withCa.addAll(clientFlags);

        Path byKvorum = dir.resolve("kvorum.db");
        ManagedProcess saved = save(dir, url, byKvorum, withCa);
        assertEquals(0, saved.exitValue(), saved.stdoutText() + saved.stderrText());
        assertEquals("Snapshot saved at " + byKvorum + "\n", saved.stdoutText());
        Path byEtcdctl = dir.resolve("etcdctl.db");
        List<String> etcdctlSave = new ArrayList<>(withCa);
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
