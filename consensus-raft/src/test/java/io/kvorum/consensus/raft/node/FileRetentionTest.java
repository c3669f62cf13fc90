package io.kvorum.consensus.raft.node;

import static io.kvorum.consensus.raft.node.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.consensus.raft.wal.WalDamage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's {@code --wal-dir}, {@code --max-snapshots} and {@code --max-wals}, as the raft plugin's options. */
class FileRetentionTest {

    @TempDir
    Path dir;

    /** Small segments and frequent snapshots, so that a few hundred entries make many of both. */
    private static Map<String, String> options(String... more) {
        Map<String, String> options = new java.util.HashMap<>(Map.of(RaftOptions.CATCH_UP_ENTRIES_OPTION, "5",
                RaftOptions.SEGMENT_BYTES_OPTION, "4096"));
        for (int i = 0; i < more.length; i += 2) {
            options.put(more[i], more[i + 1]);
        }
        return options;
    }

    /** One entry at a time, so that the applied batches are small and a snapshot follows every 20 entries. */
    private static void fill(LocalCluster c, long leader) throws Exception {
        for (int i = 0; i < 150; i++) {
            c.proposeAndAwait(leader, "v" + i + "-" + "x".repeat(200));
        }
    }

    @Test
    void theWalGoesToTheWalDirAndTheNewestSnapshotsAndSegmentsAreKeptUpToTheLimits() throws Exception {
        Path walDir = dir.resolve("dedicated-wal");
        try (LocalCluster c = LocalCluster.started(dir.resolve("members"), 1, 20, options(
                RaftOptions.WAL_DIR_OPTION, walDir.toString(),
                RaftOptions.MAX_SNAPSHOTS_OPTION, "2",
                RaftOptions.MAX_WALS_OPTION, "3"))) {
            long leader = c.awaitLeader();
            fill(c, leader);
            await("two snapshots are kept", () -> files(c.directory(leader).resolve("snap"), ".snap").size() == 2);
            await("three segments are kept", () -> files(walDir, ".wal").size() == 3);
            assertFalse(Files.exists(c.directory(leader).resolve("wal")), "no WAL in the member's folder");
            assertEquals(null, WalDamage.segmentFile(walDir, 0), "the oldest segment went first");

            // a restart reads the WAL from its folder again
            c.stop(leader);
            c.start(leader);
            c.proposeAndAwait(c.awaitLeader(), "after-restart");
        }
    }

    @Test
    void zeroKeepsEveryFile() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 1, 20, options(
                RaftOptions.MAX_SNAPSHOTS_OPTION, "0", RaftOptions.MAX_WALS_OPTION, "0"))) {
            long leader = c.awaitLeader();
            fill(c, leader);
            await("several snapshots were taken", () -> files(c.directory(leader).resolve("snap"), ".snap").size() > 3);
            assertTrue(WalDamage.segmentFile(c.directory(leader).resolve("wal"), 0) != null, "the first segment is kept");
        }
    }

    @Test
    void byDefaultOnlyTheNewestSnapshotAndTheNeededSegmentsAreKept() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 1, 20, options())) {
            long leader = c.awaitLeader();
            fill(c, leader);
            await("one snapshot is kept", () -> files(c.directory(leader).resolve("snap"), ".snap").size() == 1);
            await("the first segment was released", () -> WalDamage.segmentFile(c.directory(leader).resolve("wal"), 0) == null);
        }
    }

    @Test
    void aNegativeLimitIsRefusedNamingTheOption() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> LocalCluster.started(dir, 1, 20, options(RaftOptions.MAX_WALS_OPTION, "-1")));
        assertEquals("option max-wals must be 0 (keep all) or more, got -1", e.getMessage());
    }

    private static List<Path> files(Path folder, String suffix) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
