package io.kvorum.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.server.EtcdSnapshotFile;
import io.kvorum.spi.plugin.PluginOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotCommandTest {

    private static Command.Snapshot parse(String... args) throws UsageException {
        return assertInstanceOf(Command.Snapshot.class, CommandLine.parse(List.of(args), Map.of()));
    }

    private static String usageError(String... args) {
        return assertThrows(UsageException.class, () -> CommandLine.parse(List.of(args), Map.of())).getMessage();
    }

    @Test
    void saveTakesEtcdctlsEndpointAndUser() throws UsageException {
        SnapshotCommand.Save save = assertInstanceOf(SnapshotCommand.Save.class,
                parse("snapshot", "save", "b.db", "--endpoints=http://10.0.0.1:2379", "--user", "root:pw").action());
        assertEquals(new SnapshotCommand.Save(Path.of("b.db"), java.net.URI.create("http://10.0.0.1:2379"), "root:pw"), save);
        assertEquals(java.net.URI.create("http://127.0.0.1:2379"),
                ((SnapshotCommand.Save) parse("snapshot", "save", "b.db").action()).endpoint());
    }

    @Test
    void statusTakesEtcdctlsOutputFormats() throws UsageException {
        SnapshotCommand.Status status = assertInstanceOf(SnapshotCommand.Status.class,
                parse("snapshot", "status", "backup.db", "-w", "table").action());
        assertEquals(Path.of("backup.db"), status.file());
        assertEquals(EtcdSnapshotFile.Format.TABLE, status.format());
        assertEquals(EtcdSnapshotFile.Format.SIMPLE,
                ((SnapshotCommand.Status) parse("snapshot", "status", "backup.db").action()).format());
        assertEquals(EtcdSnapshotFile.Format.JSON,
                ((SnapshotCommand.Status) parse("snapshot", "status", "--write-out=json", "backup.db").action()).format());
        assertEquals("unsupported output format: yaml", usageError("snapshot", "status", "backup.db", "-w", "yaml"));
    }

    @Test
    void restoreTakesEtcdutlsFlagsAndTheBackendsOwn() throws UsageException {
        Command.Snapshot command = parse("snapshot", "restore", "backup.db", "--name", "m2", "--data-dir", "/d/m2",
                "--initial-cluster", "m1=http://a:2380,m2=http://b:2380", "--initial-cluster-token", "t",
                "--initial-advertise-peer-urls", "http://b:2380", "--skip-hash-check",
                "--backend", "sqlite", "--backend-opt", "a=1,b=2", "--plugin-dir", "/p");
        SnapshotCommand.Restore restore = assertInstanceOf(SnapshotCommand.Restore.class, command.action());
        assertEquals(Path.of("backup.db"), restore.file());
        assertEquals(Path.of("/d/m2"), restore.dataDir());
        assertEquals("m2", restore.name());
        assertTrue(restore.skipHashCheck());
        assertEquals("sqlite", restore.backend());
        assertEquals(PluginOptions.of(Map.of("a", "1", "b", "2")).toString(), restore.backendOptions().toString());
        assertEquals(List.of(Path.of("/p")), command.pluginDirs());
    }

    @Test
    void restoreDefaultsAreAOneMemberClusterInTheDataDirKvorumUsesByDefault() throws UsageException {
        SnapshotCommand.Restore restore = (SnapshotCommand.Restore) parse("snapshot", "restore", "backup.db").action();
        assertEquals("default", restore.name());
        assertEquals(Path.of("default.kvorum"), restore.dataDir());
        assertEquals("rocksdb", restore.backend());
        assertEquals(false, restore.skipHashCheck());
    }

    @Test
    void restoreRefusesAMemberMissingFromTheInitialClusterAsEtcdutlDoes() {
        assertEquals("couldn't find local name \"m3\" in the initial cluster configuration",
                usageError("snapshot", "restore", "backup.db", "--name", "m3", "--initial-cluster", "m1=http://a:2380"));
        assertEquals("--initial-cluster has m1=http://a:2380 but missing from --initial-advertise-peer-urls=http://z:2380",
                usageError("snapshot", "restore", "backup.db", "--name", "m1", "--initial-cluster", "m1=http://a:2380",
                        "--initial-advertise-peer-urls", "http://z:2380"));
    }

    @Test
    void usageErrors() {
        assertTrue(usageError("snapshot").startsWith("usage: kvorum snapshot"));
        assertTrue(usageError("snapshot", "load", "x.db").startsWith("unknown snapshot command load"));
        assertTrue(usageError("snapshot", "save", "x.db", "--endpoints", "http://a:2379,http://b:2379")
                .startsWith("snapshot must be requested to one selected node, not multiple"));
        assertTrue(usageError("snapshot", "status").startsWith("kvorum snapshot status takes one snapshot file"));
        assertEquals("unknown flag: --revision", usageError("snapshot", "restore", "x.db", "--revision", "5"));
        assertEquals("--wal-dir: kvorum keeps a member's log in <data-dir>/member/wal",
                usageError("snapshot", "restore", "x.db", "--wal-dir", "/elsewhere"));
    }

    @Test
    void restoreBumpsTheRevisionOnlyWithMarkCompactedAsEtcdutl() throws UsageException {
        SnapshotCommand.Restore restore = (SnapshotCommand.Restore) parse("snapshot", "restore", "b.db",
                "--bump-revision", "1000000000", "--mark-compacted").action();
        assertEquals(1_000_000_000L, restore.bumpRevision());
        assertEquals(0, ((SnapshotCommand.Restore) parse("snapshot", "restore", "b.db").action()).bumpRevision());
        assertEquals("--bump-revision requires --mark-compacted",
                usageError("snapshot", "restore", "b.db", "--bump-revision", "5"));
        assertEquals("--mark-compacted requires --bump-revision > 0",
                usageError("snapshot", "restore", "b.db", "--mark-compacted"));
        assertTrue(usageError("snapshot", "restore", "b.db", "--bump-revision", "x", "--mark-compacted")
                .startsWith("invalid argument \"x\" for \"--bump-revision\" flag"));
    }

    @Test
    void saveTakesEtcdctlsTlsFlags() throws UsageException {
        SnapshotCommand.Save save = (SnapshotCommand.Save) parse("snapshot", "save", "b.db", "--endpoints",
                "https://10.0.0.1:2379", "--cacert", "ca.crt", "--cert", "c.crt", "--key", "c.key",
                "--insecure-skip-tls-verify").action();
        assertEquals(new SnapshotSave.Tls(Path.of("ca.crt"), Path.of("c.crt"), Path.of("c.key"), true), save.tls());
        assertEquals(SnapshotSave.Tls.NONE.insecureSkipVerify(),
                ((SnapshotCommand.Save) parse("snapshot", "save", "b.db").action()).tls().insecureSkipVerify());
        assertEquals("--cert needs --key", usageError("snapshot", "save", "b.db", "--cert", "c.crt"));
        assertEquals("--key needs --cert", usageError("snapshot", "save", "b.db", "--key", "c.key"));
    }

    @Test
    void migrateTakesTheEtcdDataDirAndRestoresFlags() throws UsageException {
        Command.Snapshot command = parse("migrate", "--from-etcd-data-dir", "/var/lib/etcd", "--from-etcd-wal-dir",
                "/wal", "--name", "m1", "--data-dir", "/d/m1", "--initial-cluster", "m1=http://a:2380",
                "--initial-advertise-peer-urls", "http://a:2380", "--backend", "sqlite", "--plugin-dir", "/p");
        SnapshotCommand.Migrate migrate = assertInstanceOf(SnapshotCommand.Migrate.class, command.action());
        assertEquals(Path.of("/var/lib/etcd"), migrate.etcdDataDir());
        assertEquals(Path.of("/wal"), migrate.etcdWalDir());
        assertEquals(Path.of("/d/m1"), migrate.dataDir());
        assertEquals("m1", migrate.name());
        assertEquals("sqlite", migrate.backend());
        assertEquals(List.of(Path.of("/p")), command.pluginDirs());
        SnapshotCommand.Migrate defaults = (SnapshotCommand.Migrate) parse("migrate", "--from-etcd-data-dir", "e").action();
        assertEquals(null, defaults.etcdWalDir());
        assertEquals(Path.of("default.kvorum"), defaults.dataDir());
        assertTrue(usageError("migrate").startsWith("kvorum migrate needs --from-etcd-data-dir"));
        assertTrue(usageError("migrate", "e").startsWith("kvorum migrate takes no file"));
        assertEquals("unknown flag: --skip-hash-check", usageError("migrate", "--from-etcd-data-dir", "e",
                "--skip-hash-check"));
        assertEquals("couldn't find local name \"m3\" in the initial cluster configuration",
                usageError("migrate", "--from-etcd-data-dir", "e", "--name", "m3", "--initial-cluster", "m1=http://a:2380"));
    }
}
