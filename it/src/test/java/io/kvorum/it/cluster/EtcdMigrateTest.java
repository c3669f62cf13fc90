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
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code kvorum migrate --from-etcd-data-dir}: a stopped etcd member's data dir becomes a kvorum
 * data dir with everything etcd served, including what was only in etcd's WAL. etcd runs twice: a
 * first run is stopped cleanly (its database then holds that run's writes), a second run keeps
 * its database uncommitted ({@code --backend-batch-interval 1h}) and is killed, so its writes
 * (history, a delete, a txn, a compaction, a lease with keys, a revoke, users and roles) exist
 * only as WAL entries past the database's consistent index (a compaction makes etcd commit its
 * database, so it comes first). kvorum started on the migrated dir
 * serves every key at every revision since the compaction, the leases and the users as etcd did.
 *
 * <p>A WAL damaged in its middle is refused and leaves no data dir (the server's
 * {@code EtcdMigrationTest} covers the other refusals, torn tails and overwritten entries).
 */
class EtcdMigrateTest {

    private final Etcdctl etcdctl = Etcdctl.require();
    private final EtcdctlReads reads = new EtcdctlReads(etcdctl);

    @Test
    void aStoppedEtcdMembersDatabaseAndWalBecomeAKvorumMemberServingTheSameState() throws Exception {
        Assumptions.assumeTrue(Target.current() == Target.KVORUM, "migrates into kvorum");
        Assumptions.assumeTrue(Binaries.etcd().isPresent() || Binaries.onCi(), "etcd is not installed");
        ServerSpec first = ServerSpec.fresh("migrate-from-etcd", "--snapshot-count", "1000000");
        ServerSpec second = new ServerSpec(first.name(), first.workDir(), first.peerPort(),
                List.of("--snapshot-count", "1000000", "--backend-batch-interval", "1h",
                        "--backend-batch-limit", "100000000"));
        ServerSpec kvorumSpec = ServerSpec.fresh("migrated");
        try {
            try (EtcdProcess etcd = EtcdProcess.start(first)) {
                reads.ok(etcd.clientUrl(), "put", "/a", "1");
                reads.ok(etcd.clientUrl(), "put", "/a", "2");
                reads.ok(etcd.clientUrl(), "put", "/gone", "x");
            }
            long revision;
            List<String> everything = new ArrayList<>();
            List<String> leases;
            List<String> auth = new ArrayList<>();
            long compacted = 6;
            try (EtcdProcess etcd = EtcdProcess.start(second)) {
                URI url = etcd.clientUrl();
                reads.ok(url, "put", "/a", "3");                        // 5
                reads.ok(url, "put", "/b", "1");                        // 6
                reads.ok(url, "compact", Long.toString(compacted));
                reads.ok(url, "del", "/gone");                          // 7
                reads.ok(url, "put", "/a", "4");                        // 8
                String lease = reads.ok(url, "lease", "grant", "900").split(" ")[1];
                reads.ok(url, "put", "/l/1", "one", "--lease=" + lease);
                reads.ok(url, "put", "/l/2", "two", "--lease=" + lease);
                String revoked = reads.ok(url, "lease", "grant", "600").split(" ")[1];
                reads.ok(url, "put", "/r/1", "soon gone", "--lease=" + revoked);
                reads.ok(url, "lease", "revoke", revoked);
                reads.ok(url, "lease", "grant", "1200");
                Etcdctl.Result txn = etcdctl.run(url, List.of("--command-timeout", "30s", "txn"),
                        "\nput /t/1 one\nput /t/2 two\ndel /b\n\n\n");
                assertTrue(txn.exitCode() == 0 && txn.stdout().startsWith("SUCCESS"), txn.stdout() + txn.stderr());
                reads.ok(url, "put", "/big", "b".repeat(60_000));
                reads.ok(url, "user", "add", "bob:bobpw");
                reads.ok(url, "role", "add", "r1");
                reads.ok(url, "role", "grant-permission", "r1", "readwrite", "/a", "/b");
                reads.ok(url, "user", "grant-role", "bob", "r1");
                revision = reads.revision(url);
                for (long rev = compacted; rev <= revision; rev++) {
                    everything.add(reads.everything(url, rev));
                }
                leases = reads.leases(url);
                for (String args : List.of("user list", "role list", "user get bob", "role get r1")) {
                    auth.add(reads.ok(url, args.split(" ")));
                }
                etcd.kill();
            }

            Path migrated = kvorumSpec.dataDir();
            ManagedProcess migrate = kvorum(List.of("migrate", "--from-etcd-data-dir", first.dataDir().toString(),
                    "--data-dir", migrated.toString(), "--name", kvorumSpec.name(),
                    "--initial-cluster", kvorumSpec.name() + "=" + kvorumSpec.peerUrl(),
                    "--initial-advertise-peer-urls", kvorumSpec.peerUrl().toString()), kvorumSpec.workDir());
            assertTrue(migrate.waitFor(Duration.ofSeconds(60)));
            assertEquals(0, migrate.exitValue(), migrate.stdoutText() + migrate.stderrText());
            // the second run's writes after the compaction came from the WAL, not from the database
            Matcher applied = Pattern.compile("applied (\\d+) entries")
                    .matcher(migrate.stdoutText());
            assertTrue(applied.find() && Long.parseLong(applied.group(1)) >= 12, migrate.stdoutText());

            try (KvorumProcess kvorum = KvorumProcess.start(kvorumSpec)) {
                URI url = kvorum.clientUrl();
                assertEquals(revision, reads.revision(url));
                for (long rev = compacted; rev <= revision; rev++) {
                    assertEquals(everything.get((int) (rev - compacted)), reads.everything(url, rev), "at revision " + rev);
                }
                Etcdctl.Result old = etcdctl.run(url, List.of("get", "/a", "--rev=" + (compacted - 1)), "");
                assertTrue(old.stderr().contains("required revision has been compacted"), old.stderr());
                assertEquals(leases, reads.leases(url));
                int i = 0;
                for (String args : List.of("user list", "role list", "user get bob", "role get r1")) {
                    assertEquals(auth.get(i++), reads.ok(url, args.split(" ")), args);
                }
                reads.ok(url, "put", "/after", "migration");
                assertEquals(revision + 1, reads.revision(url));
            }

            refusals(first, kvorumSpec.workDir());
        } finally {
            first.deleteData();
            kvorumSpec.deleteData();
        }
    }

    /** A record in the middle of etcd's WAL damaged: refused, naming the file, leaving nothing behind. */
    private void refusals(ServerSpec etcdSpec, Path workDir) throws IOException {
        Path wal = etcdSpec.dataDir().resolve("member").resolve("wal");
        Path segment;
        try (Stream<Path> files = Files.list(wal)) {
            segment = files.filter(f -> f.toString().endsWith(".wal")).sorted().findFirst().orElseThrow();
        }
        Path damaged = workDir.resolve("damaged-etcd");
        copyTree(etcdSpec.dataDir(), damaged);
        try (RandomAccessFile f = new RandomAccessFile(damaged.resolve("member").resolve("wal")
                .resolve(segment.getFileName()).toFile(), "rw")) {
            f.seek(600);
            int b = f.read();
            f.seek(600);
            f.write(b ^ 0x55);
        }
        Path dataDir = workDir.resolve("refused");
        ManagedProcess p = kvorum(List.of("migrate", "--from-etcd-data-dir", damaged.toString(),
                "--data-dir", dataDir.toString()), workDir);
        assertTrue(p.waitFor(Duration.ofSeconds(60)));
        assertEquals(1, p.exitValue(), p.stdoutText() + p.stderrText());
        assertTrue(p.stderrText().startsWith("Error: etcd WAL: " + segment.getFileName() + " at byte "), p.stderrText());
        assertFalse(Files.exists(dataDir), dataDir + " left behind");
        try (Stream<Path> left = Files.list(workDir)) {
            assertTrue(left.noneMatch(f -> f.getFileName().toString().contains(".restore-")),
                    "a temporary folder left behind");
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static ManagedProcess kvorum(List<String> args, Path workDir) {
        List<String> command = new ArrayList<>();
        command.add(KvorumProcess.home().resolve("bin").resolve("kvorum").toString());
        command.addAll(args);
        String backend = System.getProperty(KvorumProcess.BACKEND_PROPERTY, "").trim();
        if (!backend.isEmpty() && (args.get(0).equals("migrate") || args.contains("restore"))) {
            command.addAll(List.of("--backend", backend));
        }
        return ManagedProcess.start("kvorum-migrate", command, workDir.resolve("migrate-" + System.nanoTime()), Map.of());
    }
}
