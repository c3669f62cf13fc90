package io.kvorum.consensus.raft.node;

import static io.kvorum.consensus.raft.node.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.consensus.raft.wal.WalDamage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTest {
    private static final Map<String, String> SMALL = Map.of(RaftOptions.CATCH_UP_ENTRIES_OPTION, "5",
            RaftOptions.SEGMENT_BYTES_OPTION, "4096");

    @TempDir
    Path dir;

    @Test
    void snapshotsReleaseOldLogAndALaggingMemberCatchesUpFromOne() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 20, SMALL)) {
            long leader = c.awaitLeader();
            long lagging = c.followers(leader).get(0);
            c.proposeAndAwait(leader, "first");
            c.network.isolate(lagging);
            for (int i = 0; i < 120; i++) {
                c.propose(leader, "v" + i + "-" + "x".repeat(200)); // fills several 4 KiB WAL segments
            }
            long other = c.followers(leader).get(1);
            await("the connected members applied everything", () -> c.machines.get(leader).payloads().size() == 121
                    && c.machines.get(other).payloads().size() == 121);
            await("the leader took a snapshot", () -> snapshotFiles(c, leader).size() == 1);
            await("the first WAL segment was released", () -> WalDamage.segmentFile(c.directory(leader).resolve("wal"), 0) == null);
            assertTrue(c.machines.get(leader).durableIndex() >= 100, "the state machine made the snapshot durable");

            c.network.reconnect(lagging);
            await("the lagging member caught up", () -> c.machines.get(lagging).payloads().size() == 121);
            assertTrue(c.machines.get(lagging).snapshotsRestored() >= 1, "it was sent a snapshot");
            assertEquals(c.machines.get(leader).payloads(), c.machines.get(lagging).payloads());
            await("it records the snapshot it installed", () -> snapshotFiles(c, lagging).size() == 1);
            c.proposeAndAwait(lagging, "after-catch-up");
            assertEquals(3, c.node(lagging).members().size(), "the registry came with the snapshot");

            // A restart starts from the snapshot: the registry from its file, the rest from the WAL.
            c.crash(leader);
            c.start(leader);
            long next = c.awaitLeader();
            c.proposeAndAwait(next, "after-restart");
            await("the restarted member knows every member by name", () -> c.node(leader).members().stream()
                    .filter(m -> !m.name().isEmpty()).count() == 3);
        }
    }

    @Test
    void theLeaderKeepsCommittingAndApplyingWhileASnapshotForAFollowerIsWritten() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 20, SMALL)) {
            long leader = c.awaitLeader();
            long lagging = c.followers(leader).get(0);
            long other = c.followers(leader).get(1);
            c.proposeAndAwait(leader, "first");
            c.network.isolate(lagging);
            for (int i = 0; i < 60; i++) {
                c.propose(leader, "v" + i);
            }
            await("the connected members applied everything", () -> c.machines.get(other).payloads().size() == 61
                    && c.machines.get(leader).payloads().size() == 61);
            CountDownLatch gate = new CountDownLatch(1);
            c.machines.get(leader).holdSnapshotWrites(gate);
            c.network.reconnect(lagging);
            await("the leader is writing a snapshot", () -> c.machines.get(leader).writesHeld() >= 1);
            List<String> during = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                c.propose(leader, "during" + i);
                during.add("during" + i);
            }
            await("what the leader committed meanwhile is applied, on the leader too, while the image is written",
                    () -> c.machines.get(other).payloads().containsAll(during)
                            && c.machines.get(leader).payloads().containsAll(during));
            assertTrue(c.machines.get(leader).writesHeld() >= 1, "the image is still being written");
            gate.countDown();
            await("the lagging member caught up", () -> c.machines.get(lagging).payloads().size() == 71);
            assertEquals(c.machines.get(leader).payloads(), c.machines.get(lagging).payloads());
            assertTrue(c.machines.get(lagging).snapshotsRestored() >= 1);
        }
    }

    @Test
    void aMemberWhoseWalTailWasTornRestartsAndCatchesUp() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, SMALL)) {
            long leader = c.awaitLeader();
            for (int i = 0; i < 30; i++) {
                c.proposeAndAwait(leader, "t" + i);
            }
            long victim = c.followers(leader).get(0);
            c.crash(victim);
            Path last = lastSegment(c.directory(victim).resolve("wal"));
            byte[] bytes = Files.readAllBytes(last);
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] == 0) {
                end--;
            }
            assertTrue(end > 8, "the last segment holds records");
            // The crash kept only the start of the last write.
            for (int i = end - 6; i < end; i++) {
                bytes[i] = 0;
            }
            Files.write(last, bytes);
            c.proposeAndAwait(leader, "while-down");
            c.start(victim);
            await("the member caught up", () -> c.machines.get(victim).payloads().size() == 31);
            assertEquals(c.machines.get(leader).payloads(), c.machines.get(victim).payloads());
            c.proposeAndAwait(victim, "after");
        }
    }

    private static Path lastSegment(Path wal) throws IOException {
        try (Stream<Path> files = Files.list(wal)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".wal")).sorted()
                    .reduce((a, b) -> b).orElseThrow();
        }
    }

    private static List<Path> snapshotFiles(LocalCluster c, long id) {
        try (Stream<Path> files = Files.list(c.directory(id).resolve("snap"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".snap")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
