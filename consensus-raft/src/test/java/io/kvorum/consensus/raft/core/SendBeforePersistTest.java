package io.kvorum.consensus.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Which messages of a Ready may leave before it is persisted ({@link Ready#sendableBeforePersisting}). */
class SendBeforePersistTest {

    @Test
    void aLeadersAppendsOfEntriesItHasNotPersistedMayLeaveFirst() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.stabilize();
        MemoryStorage disk = c.storages.get(1L);
        long persisted = disk.lastIndex();
        c.node(1).propose("a".getBytes());
        Ready rd = c.node(1).ready();
        assertEquals(1, rd.entries().size());
        List<Message> appends = rd.messages().stream().filter(m -> !m.entries().isEmpty()).toList();
        assertEquals(2, appends.size(), "one append to each follower: " + rd.messages());
        assertEquals(rd.messages().size(), rd.sendableBeforePersisting(persisted), rd.messages().toString());
        persist(c.node(1), disk, rd);

        // A follower's acknowledgement must wait for its own write.
        c.deliver(appends.get(0));
        RawNode follower = c.node(appends.get(0).to());
        Ready answer = follower.ready();
        assertTrue(answer.messages().stream().anyMatch(m -> m.type() == MessageType.APP_RESP), answer.toString());
        assertEquals(0, answer.sendableBeforePersisting(c.storages.get(appends.get(0).to()).lastIndex()));
    }

    @Test
    void aSingleVoterHoldsBackAnAppendWhoseCommitIsNotDurableYet() {
        // Voter 1 alone commits an entry the moment it appends it; learner 2 must not hear of
        // that commit before the entry is on 1's disk, or a crash of 1 leaves the learner
        // applying an entry the only voter lost.
        MemoryStorage disk = new MemoryStorage(new Snapshot(1, 1, new ConfState(List.of(1L), List.of(2L)),
                new byte[0]));
        RawNode leader = new RawNode(new RaftConfig(1, 10, 1, disk, 0, 1 << 20, 8, false, false,
                new SplittableRandom(3)));
        leader.campaign();
        persistAll(leader, disk);
        assertEquals(StateRole.LEADER, leader.status().softState().role());
        long term = leader.status().hardState().term();
        leader.step(Message.builder(MessageType.APP_RESP).from(2).to(1).term(term).index(disk.lastIndex()).build());
        persistAll(leader, disk);

        long persisted = disk.lastIndex();
        leader.propose("x".getBytes());
        Ready rd = leader.ready();
        assertEquals(persisted + 1, rd.hardState().commit(), "a single voter commits at once");
        Message append = rd.messages().stream().filter(m -> m.type() == MessageType.APP).findFirst().orElseThrow();
        assertFalse(append.entries().isEmpty());
        assertTrue(append.commit() > persisted, append.toString());
        assertEquals(0, rd.sendableBeforePersisting(persisted));
        assertEquals(rd.messages().size(), rd.sendableBeforePersisting(persisted + 1),
                "once the entry is durable the same messages may go");
        persist(leader, disk, rd);
    }

    private static void persistAll(RawNode node, MemoryStorage disk) {
        while (node.hasReady()) {
            persist(node, disk, node.ready());
        }
    }

    private static void persist(RawNode node, MemoryStorage disk, Ready rd) {
        disk.append(rd.entries());
        if (!rd.hardState().isEmpty()) {
            disk.setHardState(rd.hardState());
        }
        node.advance(rd);
    }
}
