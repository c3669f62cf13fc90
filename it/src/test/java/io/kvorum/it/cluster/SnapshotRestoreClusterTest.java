package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.EtcdProcess;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.it.server.Target;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The way in from etcd: {@code etcdctl snapshot save} against real etcd (history, a compaction,
 * leases, users and roles), then {@code kvorum snapshot restore} of that file for each member of
 * a new 3-member kvorum cluster. Every member serves every key at every revision since the
 * compaction, each lease with its keys, and the users and roles, as etcd did; a watch from an
 * old revision replays the history as etcd's does. Then the clients switch, as the README's live
 * migration has them: a watcher resumes on kvorum from the last revision it saw on etcd and gets
 * exactly the writes made since; and back: etcdctl saves the kvorum cluster's snapshot, restores it
 * for etcd, and etcd serves the same keys at the same revision, a resumed watcher again missing
 * nothing. A damaged file is refused, leaving no data dir.
 */
class SnapshotRestoreClusterTest {
    private static final long COMPACTED = 5;

    private final Etcdctl etcdctl = Etcdctl.require();
    private final EtcdctlReads reads = new EtcdctlReads(etcdctl);

    @Test
    void aKvorumClusterRestoredFromEtcdsSnapshotServesEtcdsHistoryLeasesAndUsersOnEveryMember() throws Exception {
        Assumptions.assumeTrue(Target.current() == Target.KVORUM, "restores into kvorum");
        Assumptions.assumeTrue(Binaries.etcd().isPresent() || Binaries.onCi(), "etcd is not installed");
        ServerSpec etcdSpec = ServerSpec.fresh("restore-from-etcd");
        Path file = etcdSpec.workDir().resolve("etcd-backup.db");
        try (EtcdProcess etcd = EtcdProcess.start(etcdSpec)) {
            load(etcd.clientUrl());
            Etcdctl.Result saved = etcdctl.run(etcd.clientUrl(), List.of("snapshot", "save", file.toString()), "");
            assertEquals(0, saved.exitCode(), saved.stderr());
            long revision = reads.revision(etcd.clientUrl());

            try (Cluster cluster = Cluster.startPrepared("restored", 3, (member, initialCluster) ->
                    restore(file, member, initialCluster))) {
                for (ClusterMember member : cluster.members()) {
                    URI url = member.clientUrl();
                    assertEquals(revision, reads.revision(url), member.name());
                    for (long rev = COMPACTED; rev <= revision; rev++) {
                        assertEquals(reads.everything(etcd.clientUrl(), rev), reads.everything(url, rev),
                                member.name() + " at revision " + rev);
                    }
                    assertEquals(reads.leases(etcd.clientUrl()), reads.leases(url), member.name());
                    for (String args : List.of("user list", "role list", "user get bob", "role get r1")) {
                        assertEquals(reads.ok(etcd.clientUrl(), args.split(" ")), reads.ok(url, args.split(" ")),
                                member.name() + ": " + args);
                    }
                }
                String fromEtcd = watchFrom(etcd.clientUrl(), COMPACTED + 1, etcdSpec.workDir());
                assertTrue(fromEtcd.contains("DELETE\n/h/b\n") && fromEtcd.contains("/t/2"), fromEtcd);
                assertEquals(fromEtcd, watchFrom(cluster.members().get(1).clientUrl(), COMPACTED + 1, etcdSpec.workDir()));
                // the clients switch: a watcher resumes on kvorum from the last revision it saw on
                // etcd and gets exactly the writes made since, on whichever member
                URI kvorum = cluster.members().get(0).clientUrl();
                assertEquals("PUT\n/h/after\nrestore\n", resumedWatch(kvorum, revision + 1, etcdSpec.workDir(),
                        () -> reads.ok(cluster.members().get(2).clientUrl(), "put", "/h/after", "restore"), "/h/after"));
                assertEquals(revision + 1, reads.revision(kvorum));

                // and the way back: kvorum's snapshot restored by etcdctl, etcd started on it
                wayBack(kvorum, revision + 1, etcdSpec.workDir());
            }
        } finally {
            etcdSpec.deleteData();
        }
    }

    @Test
    void aDamagedOrForeignFileIsRefusedAndLeavesNoDataDir() throws Exception {
        Assumptions.assumeTrue(Target.current() == Target.KVORUM, "kvorum's own command");
        ServerSpec spec = ServerSpec.fresh("restore-refused");
        Path foreign = spec.workDir().resolve("foreign.db");
        Files.write(foreign, new byte[8192 + 32]);
        Path text = spec.workDir().resolve("text.db");
        Files.writeString(text, "hello\n");
        for (Path file : List.of(foreign, text)) {
            for (List<String> extra : List.of(List.<String>of(), List.of("--skip-hash-check"))) {
                Path dataDir = spec.workDir().resolve("data-" + file.getFileName() + extra.size());
                List<String> args = new ArrayList<>(List.of("snapshot", "restore", file.toString(),
                        "--data-dir", dataDir.toString()));
                args.addAll(extra);
                ManagedProcess p = kvorum(args, spec.workDir());
                assertTrue(p.waitFor(Duration.ofSeconds(60)));
                assertEquals(1, p.exitValue(), p.stdoutText() + p.stderrText());
                assertTrue(p.stderrText().startsWith("Error: "), p.stderrText());
                assertFalse(Files.exists(dataDir), dataDir + " left behind");
                try (var left = Files.list(spec.workDir())) {
                    assertTrue(left.noneMatch(f -> f.getFileName().toString().contains(".restore-")),
                            "a temporary folder left behind");
                }
            }
        }
    }

    /**
     * etcdctl saves a kvorum member's snapshot and restores it for etcd; etcd serves every key at
     * the kvorum cluster's revision, and a watcher resuming there from the next revision gets the
     * next write alone.
     */
    private void wayBack(URI kvorum, long revision, Path workDir) throws IOException {
        ServerSpec back = ServerSpec.fresh("back-to-etcd");
        Path file = back.workDir().resolve("from-kvorum.db");
        reads.ok(kvorum, "snapshot", "save", file.toString());
        reads.ok(kvorum, "snapshot", "restore", file.toString(), "--name", back.name(), "--data-dir", back.dataDir().toString(),
                "--initial-cluster", back.name() + "=" + back.peerUrl(),
                "--initial-advertise-peer-urls", back.peerUrl().toString());
        try (EtcdProcess etcd = EtcdProcess.start(back)) {
            assertEquals(revision, reads.revision(etcd.clientUrl()));
            assertEquals(reads.everything(kvorum, revision), reads.everything(etcd.clientUrl(), revision));
            assertEquals(reads.leases(kvorum), reads.leases(etcd.clientUrl()));
            assertEquals("PUT\n/h/back\netcd\n", resumedWatch(etcd.clientUrl(), revision + 1, workDir,
                    () -> reads.ok(etcd.clientUrl(), "put", "/h/back", "etcd"), "/h/back"));
        } finally {
            back.deleteData();
        }
    }

    /** What a watcher of / from {@code rev} prints once {@code write} is made and its {@code key} arrived. */
    private String resumedWatch(URI url, long rev, Path workDir, Runnable write, String key) {
        ManagedProcess watch = etcdctl.start(url, List.of("watch", "--prefix", "/", "--rev=" + rev),
                workDir.resolve("resumed-" + System.nanoTime()));
        try {
            ManagedProcess.pause(500);
            write.run();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!watch.stdoutText().contains(key) && System.nanoTime() < deadline) {
                ManagedProcess.pause(100);
            }
            ManagedProcess.pause(300);
            return watch.stdoutText();
        } finally {
            watch.close();
        }
    }

    private static ManagedProcess kvorum(List<String> args, Path workDir) {
        List<String> command = new ArrayList<>();
        command.add(KvorumProcess.home().resolve("bin").resolve("kvorum").toString());
        command.addAll(args);
        return ManagedProcess.start("kvorum-snapshot", command, workDir.resolve("snapshot-" + System.nanoTime()), Map.of());
    }

    private static void restore(Path file, ClusterMember member, String initialCluster) {
        List<String> args = new ArrayList<>(List.of("snapshot", "restore", file.toString(),
                "--name", member.name(), "--data-dir", member.dataDir().toString(),
                "--initial-cluster", initialCluster,
                "--initial-advertise-peer-urls", member.peerUrl().toString()));
        String backend = System.getProperty(KvorumProcess.BACKEND_PROPERTY, "").trim();
        if (!backend.isEmpty()) {
            args.addAll(List.of("--backend", backend));
        }
        ManagedProcess p = kvorum(args, member.workDir());
        if (!p.waitFor(Duration.ofSeconds(60)) || p.exitValue() != 0) {
            throw new AssertionError("kvorum snapshot restore failed: " + p.stdoutText() + p.stderrText());
        }
    }

    /** History (overwrites, deletes, a txn), a compaction, leases with keys, a big value, users and roles. */
    private void load(URI url) {
        for (int i = 1; i <= 4; i++) {
            reads.ok(url, "put", "/h/a", "v" + i);                                  // revisions 2..5
        }
        reads.ok(url, "compact", Long.toString(COMPACTED));
        reads.ok(url, "put", "/h/b", "x");
        reads.ok(url, "del", "/h/b");
        reads.ok(url, "put", "/h/b", "again");
        String lease = reads.ok(url, "lease", "grant", "900").split(" ")[1];
        reads.ok(url, "put", "/l/1", "one", "--lease=" + lease);
        reads.ok(url, "put", "/l/2", "two", "--lease=" + lease);
        reads.ok(url, "lease", "grant", "1200");
        reads.ok(url, "put", "/big", "b".repeat(60_000));
        Etcdctl.Result txn = etcdctl.run(url, List.of("--command-timeout", "30s", "txn"),
                // no compares, three success requests, no failure requests: each list ends with an empty line
                "\nput /t/1 one\nput /t/2 two\ndel /h/a\n\n\n");
        if (txn.exitCode() != 0 || !txn.stdout().startsWith("SUCCESS")) {
            throw new AssertionError("etcdctl txn at " + url + " failed: " + txn.stdout() + txn.stderr());
        }
        reads.ok(url, "user", "add", "root:rootpw");
        reads.ok(url, "role", "add", "r1");
        reads.ok(url, "role", "grant-permission", "r1", "readwrite", "/h/", "/i/");
        reads.ok(url, "user", "add", "bob:bobpw");
        reads.ok(url, "user", "grant-role", "bob", "r1");
    }

    /** What {@code etcdctl watch --prefix / --rev=N} prints until the last change arrives. */
    private String watchFrom(URI url, long rev, Path workDir) {
        ManagedProcess watch = etcdctl.start(url, List.of("watch", "--prefix", "/", "--rev=" + rev),
                workDir.resolve("watch-" + System.nanoTime()));
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!watch.stdoutText().contains("/t/2") && System.nanoTime() < deadline) {
                ManagedProcess.pause(100);
            }
            ManagedProcess.pause(300);
            return watch.stdoutText();
        } finally {
            watch.close();
        }
    }
}
