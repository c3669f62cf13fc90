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
        assertEquals("unknown flag: --bump-revision", usageError("snapshot", "restore", "x.db", "--bump-revision", "5"));
        assertEquals("--wal-dir: kvorum keeps a member's log in <data-dir>/member/wal",
                usageError("snapshot", "restore", "x.db", "--wal-dir", "/elsewhere"));
    }
}
