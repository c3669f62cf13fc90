package io.kvorum.consensus.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationTest {

    @Test
    void proposalsCommitOnAQuorumAndReachEveryMemberInOrder() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.node(1).propose("a".getBytes());
        c.node(2).propose("b".getBytes()); // forwarded to the leader
        c.stabilize();
        for (long id = 1; id <= 3; id++) {
            assertEquals(List.of("a", "b"), c.appliedData(id));
        }
    }

    @Test
    void aMinorityCannotCommit() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        long commit = c.status(1).hardState().commit();
        c.isolate(1);
        c.node(1).propose("a".getBytes());
        c.stabilize();
        assertEquals(commit, c.status(1).hardState().commit());
        assertEquals(List.of(), c.appliedData(1));
    }

    @Test
    void inflightLimitCapsUnacknowledgedAppendsToAFollower() {
        TestCluster c = new TestCluster();
        List<Long> voters = List.of(1L, 2L);
        c.add(1, true, true, 2).bootstrap(voters);
        c.add(2, true, true, 2).bootstrap(voters);
        c.stabilize();
        c.elect(1);
        c.dropIf(m -> m.from() == 2); // the follower's acknowledgements never come back
        c.sent.clear();
        for (int i = 0; i < 10; i++) {
            c.node(1).propose(("p" + i).getBytes());
            c.stabilize();
        }
        long appends = c.sent.stream().filter(m -> m.type() == MessageType.APP && m.to() == 2 && !m.entries().isEmpty())
                .count();
        assertEquals(2, appends, "two appends in flight, then the leader waits");
    }

    @Test
    void heartbeatResponsesFromAFollowerReopenItsWindowOneSlotAtATime() {
        TestCluster c = new TestCluster();
        List<Long> voters = List.of(1L, 2L);
        c.add(1, true, true, 2).bootstrap(voters);
        c.add(2, true, true, 2).bootstrap(voters);
        c.stabilize();
        c.elect(1);
        c.dropIf(m -> m.type() == MessageType.APP_RESP); // only heartbeats are answered
        for (int i = 0; i < 10; i++) {
            c.node(1).propose(("p" + i).getBytes());
        }
        c.stabilize();
        c.sent.clear();
        c.tick(1, 1); // one heartbeat round
        long appends = c.sent.stream().filter(m -> m.type() == MessageType.APP && m.to() == 2).count();
        assertEquals(1, appends);
    }

    @Test
    void onlyAnEntryOfTheLeadersOwnTermCommitsByCounting() {
        // Node 1 holds two entries of term 1 that nobody knows are committed; it becomes leader of term 2.
        MemoryStorage storage = new MemoryStorage(new Snapshot(1, 1, new ConfState(List.of(1L, 2L, 3L), List.of()),
                new byte[0]));
        storage.append(List.of(new LogEntry(1, 2, EntryType.NORMAL, "old".getBytes())));
        storage.setHardState(new HardState(1, 0, 1));
        RawNode leader = new RawNode(new RaftConfig(1, 10, 1, storage, 0, 1 << 20, 8, false, false,
                new java.util.SplittableRandom(3)));
        leader.campaign();
        leader.step(Message.builder(MessageType.VOTE_RESP).from(2).to(1).term(2).build());
        assertEquals(StateRole.LEADER, leader.status().softState().role());
        // Its empty entry of term 2 is at index 3. A follower acknowledging only index 2 (term 1)
        // makes a quorum for it, but it must not commit by counting.
        leader.step(Message.builder(MessageType.APP_RESP).from(2).to(1).term(2).index(2).build());
        assertEquals(1, leader.status().hardState().commit());
        leader.step(Message.builder(MessageType.APP_RESP).from(2).to(1).term(2).index(3).build());
        assertEquals(3, leader.status().hardState().commit(), "committing index 3 commits index 2 with it");
    }

    @Test
    void aFollowerWithADivergentTailIsRepairedByTheLeader() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.isolate(1);
        c.node(1).propose("lost".getBytes()); // only the old leader has it
        c.stabilize();
        c.tickAll(30); // 2 and 3 elect a new leader between them
        long newLeader = c.role(2) == StateRole.LEADER ? 2 : 3;
        assertEquals(StateRole.LEADER, c.role(newLeader));
        c.node(newLeader).propose("kept".getBytes());
        c.stabilize();
        c.heal();
        c.tickAll(3);
        assertEquals(List.of("kept"), c.appliedData(1), "the uncommitted entry was overwritten");
    }

    @Test
    void aFollowerBehindTheCompactedLogCatchesUpFromASnapshot() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 20; i++) {
            c.node(1).propose(("v" + i).getBytes());
        }
        c.stabilize();
        MemoryStorage leaderLog = c.storages.get(1L);
        long applied = c.status(1).applied();
        leaderLog.createSnapshot(applied, c.node(1).confState(), "state".getBytes());
        leaderLog.compact(applied);
        c.heal();
        c.sent.clear();
        c.tickAll(3);
        assertTrue(c.count(MessageType.SNAP) >= 1, "the leader sent a snapshot");
        MemoryStorage follower = c.storages.get(3L);
        assertEquals(applied, follower.snapshot().index());
        assertEquals("state", new String(follower.snapshot().data()));
        c.node(1).propose("after".getBytes());
        c.stabilize();
        assertEquals(c.status(1).hardState().commit(), c.status(3).hardState().commit());
        assertEquals(List.of("after"), c.appliedData(3), "only the entries after the snapshot are applied");
    }
}
