package io.kvorum.it.etcdctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.EtcdProcess;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@code etcdctl snapshot save} against kvorum gives etcd's own backup: {@code etcdctl snapshot
 * status} reads it, {@code etcdctl snapshot restore} makes a data dir of it, and real etcd
 * started there serves every key at every revision since the compaction, the leases with their
 * keys, and the users and roles, with auth on, as kvorum did. (The suite runs once per backend;
 * where a run has no etcd, a kvorum member restored from the file stands in for it.)
 */
class SnapshotSaveTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ROOT = List.of("--user", "root:rootpw");

    private final Etcdctl etcdctl = Etcdctl.require();

    @Test
    void realEtcdRestoredFromKvorumsSnapshotServesTheSameHistoryLeasesAndUsers() throws IOException {
        ServerSpec kvorumSpec = ServerSpec.fresh("snapshot-kvorum");
        Path file = kvorumSpec.workDir().resolve("backup.db");
        ServerSpec etcdSpec = ServerSpec.fresh("snapshot-etcd");
        try (KvorumProcess kvorum = KvorumProcess.start(kvorumSpec)) {
            load(kvorum);
            Etcdctl.Result saved = ctl(kvorum, true, "snapshot", "save", file.toString());
            assertEquals(0, saved.exitCode(), saved.stderr());
            long revision = revision(kvorum);

            Etcdctl.Result status = etcdctl.run(kvorum.clientUrl(), List.of("snapshot", "status", file.toString(), "-w", "json"), "");
            assertEquals(0, status.exitCode(), status.stderr());
            JsonNode s = JSON.readTree(status.stdout());
            assertEquals(revision, s.get("revision").asLong(), status.stdout());
            assertEquals(Files.size(file) - 32, s.get("totalSize").asLong(), status.stdout());
            assertTrue(s.get("totalKey").asLong() > revision, status.stdout());

            Etcdctl.Result restored = etcdctl.run(kvorum.clientUrl(), List.of("snapshot", "restore", file.toString(),
                    "--name", etcdSpec.name(), "--data-dir", etcdSpec.dataDir().toString(),
                    "--initial-cluster", etcdSpec.name() + "=" + etcdSpec.peerUrl(),
                    "--initial-advertise-peer-urls", etcdSpec.peerUrl().toString()), "");
            assertEquals(0, restored.exitCode(), restored.stderr());

            try (ServerProcess etcd = restored(file, etcdSpec)) {
                assertEquals(revision, revision(etcd));
                long compacted = 6;
                for (long rev = compacted; rev <= revision; rev++) {
                    assertEquals(everything(kvorum, rev), everything(etcd, rev), "at revision " + rev);
                }
                assertEquals(leases(kvorum), leases(etcd));
                for (String args : List.of("user list", "role list", "user get alice", "role get reader",
                        "user get root")) {
                    assertEquals(ctlOk(kvorum, true, args.split(" ")), ctlOk(etcd, true, args.split(" ")), args);
                }
                List<String> asAlice = List.of("--user", "alice:alicepw", "get", "/a/1");
                assertEquals(etcdctl.run(kvorum.clientUrl(), asAlice, "").stdout(),
                        etcdctl.run(etcd.clientUrl(), asAlice, "").stdout());
                Etcdctl.Result denied = etcdctl.run(etcd.clientUrl(), List.of("--user", "alice:alicepw", "get", "/z"), "");
                assertTrue(denied.stderr().contains("permission denied"), denied.stderr());
            }
        } finally {
            kvorumSpec.deleteData();
            etcdSpec.deleteData();
        }
    }

    /**
     * Real etcd on the dir etcdctl restored. Where this run has no etcd (the second run of the
     * suite, on another backend, leaves live etcd to the first), a kvorum member restored from the
     * same file by {@code kvorum snapshot restore} stands in.
     */
    private static ServerProcess restored(Path file, ServerSpec etcdSpec) {
        if (Binaries.etcd().isPresent()) {
            return EtcdProcess.start(etcdSpec);
        }
        ServerSpec spec = ServerSpec.fresh("snapshot-restored");
        List<String> command = new ArrayList<>(List.of(KvorumProcess.home().resolve("bin").resolve("kvorum").toString(),
                "snapshot", "restore", file.toString(), "--name", spec.name(), "--data-dir", spec.dataDir().toString(),
                "--initial-cluster", spec.name() + "=" + spec.peerUrl(),
                "--initial-advertise-peer-urls", spec.peerUrl().toString()));
        String backend = System.getProperty(KvorumProcess.BACKEND_PROPERTY, "").trim();
        if (!backend.isEmpty()) {
            command.addAll(List.of("--backend", backend));
        }
        ManagedProcess restore = ManagedProcess.start("kvorum-restore", command, spec.workDir().resolve("restore"), Map.of());
        if (!restore.waitFor(Duration.ofSeconds(60)) || restore.exitValue() != 0) {
            throw new AssertionError("kvorum snapshot restore failed: " + restore.stdoutText() + restore.stderrText());
        }
        return KvorumProcess.start(spec);
    }

    /** History (overwrites, deletes, a txn), a compaction, leases with keys, users and roles, auth on. */
    private void load(ServerProcess server) {
        for (int i = 0; i < 5; i++) {
            ctlOk(server, false, "put", "/a/" + i, "v" + i);        // revisions 2..6
        }
        ctlOk(server, false, "compact", "6");
        ctlOk(server, false, "put", "/a/1", "second");
        ctlOk(server, false, "del", "/a/2");
        ctlOk(server, false, "put", "/a/2", "back");
        ctlOk(server, false, "del", "/a/3", "/a/5");
        String lease = ctlOk(server, false, "lease", "grant", "900").split(" ")[1];
        ctlOk(server, false, "put", "/leased/x", "x", "--lease=" + lease);
        ctlOk(server, false, "put", "/leased/y", "y", "--lease=" + lease);
        ctlOk(server, false, "lease", "grant", "1200");
        ctlOk(server, false, "put", "/big", "b".repeat(100_000));
        for (int i = 0; i < 40; i++) {
            ctlOk(server, false, "put", "/many/" + i, "value-" + i + "-" + "x".repeat(i));
        }
        etcdctl.run(server.clientUrl(), List.of("txn"), "\nput /t/1 one\nput /t/2 two\ndel /a/0\n\n");
        ctlOk(server, false, "user", "add", "root:rootpw");
        ctlOk(server, false, "role", "add", "root");
        ctlOk(server, false, "user", "grant-role", "root", "root");
        ctlOk(server, false, "role", "add", "reader");
        ctlOk(server, false, "role", "grant-permission", "reader", "read", "/a/", "/b/");
        ctlOk(server, false, "user", "add", "alice:alicepw");
        ctlOk(server, false, "user", "grant-role", "alice", "reader");
        ctlOk(server, false, "auth", "enable");
    }

    private long revision(ServerProcess server) throws IOException {
        return JSON.readTree(ctlOk(server, true, "get", "/", "-w", "json")).get("header").get("revision").asLong();
    }

    /** Every key at {@code rev}, as etcdctl's JSON shows them (header left out). */
    private String everything(ServerProcess server, long rev) throws IOException {
        JsonNode kvs = JSON.readTree(ctlOk(server, true, "get", "", "--from-key", "--rev=" + rev, "-w", "json")).get("kvs");
        return kvs == null ? "[]" : kvs.toString();
    }

    /** Each lease's id, granted TTL and keys. */
    private List<String> leases(ServerProcess server) throws IOException {
        List<String> out = new ArrayList<>();
        JsonNode leases = JSON.readTree(ctlOk(server, true, "lease", "list", "-w", "json")).get("leases");
        TreeSet<Long> ids = new TreeSet<>();
        leases.forEach(l -> ids.add(l.get("id").asLong()));
        for (long id : ids) {
            JsonNode ttl = JSON.readTree(ctlOk(server, true, "lease", "timetolive", Long.toHexString(id), "--keys", "-w", "json"));
            TreeSet<String> keys = new TreeSet<>();
            if (ttl.get("keys") != null) {
                ttl.get("keys").forEach(k -> keys.add(k.asText()));
            }
            out.add(id + " " + ttl.get("granted-ttl").asLong() + " " + keys);
        }
        return out;
    }

    private Etcdctl.Result ctl(ServerProcess server, boolean asRoot, String... args) {
        List<String> command = new ArrayList<>(asRoot ? ROOT : List.of());
        command.addAll(List.of(args));
        return etcdctl.run(server.clientUrl(), command, "");
    }

    private String ctlOk(ServerProcess server, boolean asRoot, String... args) {
        Etcdctl.Result r = ctl(server, asRoot, args);
        if (r.exitCode() != 0) {
            throw new AssertionError(server.kind() + ": etcdctl " + String.join(" ", args) + " failed: " + r.stderr());
        }
        return r.stdout().trim();
    }
}
