package io.kvorum.consensus.raft.node;

import static io.kvorum.consensus.raft.node.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.consensus.raft.core.ConfChange;
import io.kvorum.consensus.raft.core.ConfChangeType;
import io.kvorum.consensus.raft.core.ConfState;
import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.HardState;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.Snapshot;
import io.kvorum.spi.consensus.Member;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --force-new-cluster}: one surviving member of a cluster that lost quorum becomes a working single member. */
class ForceNewClusterTest {
    private static final long M1 = 0x101;
    private static final long M2 = 0x102;
    private static final long M3 = 0x103;

    @TempDir
    Path dir;

    @Test
    void oneMemberOfAStoppedClusterRestartsAloneWithItsDataAndItsOldPeersAreRemoved() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, Map.of())) {
            long leader = c.awaitLeader();
            c.proposeAndAwait(leader, "a");
            c.proposeAndAwait(leader, "b");
            for (long id : List.of(M1, M2, M3)) {
                c.stop(id);
            }

            c.forceNewCluster = true;
            RaftNode forced = c.start(M1);
            assertEquals(M1, c.awaitLeader(), "it elects itself");
            assertEquals(List.of(M1), forced.members().stream().map(Member::id).toList());
            assertEquals(M1, forced.status().memberId(), "the member id stays");
            assertEquals(LocalCluster.CLUSTER_ID, forced.status().clusterId(), "the cluster id stays");
            assertEquals(List.of("a", "b"), c.machines.get(M1).payloads(), "the data stays, nothing applied twice");
            c.proposeAndAwait(M1, "c");

            c.stop(M1);
            c.forceNewCluster = false;
            RaftNode restarted = c.start(M1);
            assertEquals(M1, c.awaitLeader(), "without the flag, still a single-member cluster");
            assertEquals(1, restarted.members().size());
            c.proposeAndAwait(M1, "d");

            c.stop(M1);
            c.forceNewCluster = true;
            RaftNode again = c.start(M1);
            assertEquals(M1, c.awaitLeader(), "the flag given again changes nothing more");
            assertEquals(1, again.members().size());
            c.forceNewCluster = false;

            // The old peers still make a quorum of the old configuration; they must not disturb it,
            // and, as etcd's removed members, each learns it was removed once the member it dials
            // refuses it, and stops (as the server stops on removal).
            RaftNode old2 = c.start(M2);
            RaftNode old3 = c.start(M3);
            List<Long> old = new java.util.ArrayList<>(List.of(M2, M3));
            Map<Long, RaftNode> byId = Map.of(M2, old2, M3, old3);
            while (!old.isEmpty()) {
                await("an old member learns it was removed", () -> old.stream()
                        .anyMatch(id -> byId.get(id).removal().isDone()));
                long gone = old.stream().filter(id -> byId.get(id).removal().isDone()).findFirst().orElseThrow();
                c.stop(gone);
                old.remove(gone);
                assertEquals(M1, c.node(M1).status().leaderId(), "the old members never disturbed it");
            }
            assertEquals(M1, c.awaitLeader());
            c.proposeAndAwait(M1, "e");
            assertEquals(List.of("a", "b", "c", "d", "e"), c.machines.get(M1).payloads());
            assertFalse(c.node(M1).removal().isDone());
        }
    }

    @Test
    void aMemberWithoutDataIgnoresTheFlag() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, 10_000, Map.of())) {
            c.forceNewCluster = true;
            for (long id : List.of(M1, M2, M3)) {
                c.start(id);
            }
            long leader = c.awaitLeader();
            assertEquals(3, c.node(leader).members().size());
        }
    }

    @Test
    void uncommittedEntriesAreDroppedAndEveryOtherMemberIsRemovedAtTheCommitIndex() throws IOException {
        Snapshot snapshot = new Snapshot(10, 2, new ConfState(List.of(M1, M2), List.of()), new byte[0]);
        List<LogEntry> log = List.of(
                entry(11, 2, EntryType.NORMAL, new byte[] {1}),
                entry(12, 2, EntryType.CONF_CHANGE, change(ConfChangeType.ADD_LEARNER_NODE, M3)),
                entry(13, 3, EntryType.NORMAL, new byte[] {2}),
                entry(14, 3, EntryType.NORMAL, new byte[] {3}));
        StandaloneRestart forced = StandaloneRestart.of(M1, snapshot, new HardState(3, M1, 13), log);

        assertEquals(log.subList(0, 3), forced.kept());
        assertEquals(1, StandaloneRestart.uncommitted(log, new HardState(3, M1, 13)));
        assertEquals(List.of(M2, M3), forced.removed(), "voters and learners");
        assertEquals(List.of(14L, 15L), forced.appended().stream().map(LogEntry::index).toList());
        for (LogEntry e : forced.appended()) {
            assertEquals(3, e.term());
            assertEquals(ConfChangeType.REMOVE_NODE, Encoding.decodeConfChange(e.data()).type());
        }
        assertEquals(new HardState(3, M1, 15), forced.hardState(), "committed at once");

        IOException notAMember = assertThrows(IOException.class,
                () -> StandaloneRestart.of(0x999, snapshot, new HardState(3, M1, 13), log));
        assertTrue(notAMember.getMessage().startsWith("--force-new-cluster: member 999 is not in"));
        IOException aLearner = assertThrows(IOException.class,
                () -> StandaloneRestart.of(M3, snapshot, new HardState(3, M1, 13), log));
        assertTrue(aLearner.getMessage().startsWith("--force-new-cluster: member 103 is a learner"));
    }

    private static LogEntry entry(long index, long term, EntryType type, byte[] data) {
        return new LogEntry(term, index, type, data);
    }

    private static byte[] change(ConfChangeType type, long id) {
        return Encoding.encode(new ConfChange(type, id, new ChangeContext(0, false,
                new Member(id, "", List.of(), List.of(), type == ConfChangeType.ADD_LEARNER_NODE)).encode()));
    }
}
