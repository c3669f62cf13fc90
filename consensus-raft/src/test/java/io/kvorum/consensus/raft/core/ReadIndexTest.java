package io.kvorum.consensus.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReadIndexTest {

    private static byte[] ctx(int i) {
        return ("read-" + i).getBytes();
    }

    @Test
    void readsRequestedTogetherShareOneHeartbeatRound() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        long commit = c.status(1).hardState().commit();
        c.sent.clear();
        for (int i = 0; i < 10; i++) {
            c.node(1).readIndex(ctx(i));
        }
        c.stabilize();
        assertEquals(2, c.count(MessageType.HEARTBEAT), "one heartbeat per follower for all ten reads");
        List<ReadState> answered = c.readStates.get(1L);
        assertEquals(10, answered.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(new ReadState(commit, ctx(i)), answered.get(i));
        }
    }

    @Test
    void oneFollowersAcknowledgementIsAQuorumOfThree() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.dropIf(m -> m.from() == 3 || m.to() == 3);
        c.node(1).readIndex(ctx(1));
        c.stabilize();
        assertEquals(1, c.readStates.get(1L).size());
    }

    @Test
    void aReadIsNotConfirmedWithoutAQuorum() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.isolate(1); // a deposed leader that does not know it yet must not answer reads
        c.node(1).readIndex(ctx(1));
        c.stabilize();
        assertEquals(List.of(), c.readStates.get(1L));
    }

    @Test
    void aReadOnAFollowerIsConfirmedByTheLeaderAndAnsweredThere() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.node(1).propose("w".getBytes());
        c.stabilize();
        c.node(3).readIndex(ctx(7));
        c.stabilize();
        List<ReadState> answered = c.readStates.get(3L);
        assertEquals(1, answered.size());
        assertEquals(c.status(1).hardState().commit(), answered.get(0).index());
        assertTrue(c.status(3).applied() >= answered.get(0).index());
    }

    @Test
    void aNewLeaderDefersReadsUntilItCommitsAnEntryOfItsTerm() {
        TestCluster c = TestCluster.ofVoters(3);
        // Keep the new leader's empty entry from being acknowledged: its commit index may lag.
        c.dropIf(m -> m.type() == MessageType.APP_RESP);
        c.elect(1);
        c.node(1).readIndex(ctx(1));
        c.stabilize();
        assertEquals(List.of(), c.readStates.get(1L));
        c.heal();
        c.tickAll(2);
        assertEquals(1, c.readStates.get(1L).size());
        assertEquals(c.status(1).hardState().commit(), c.readStates.get(1L).get(0).index());
    }

    @Test
    void aFollowerWithoutALeaderRefusesReadsOnTheSpot() {
        TestCluster c = TestCluster.ofVoters(3);
        assertThrows(RequestDroppedException.class, () -> c.node(2).readIndex(ctx(1)));
    }

    @Test
    void aSingleMemberAnswersReadsAtOnce() {
        TestCluster c = TestCluster.ofVoters(1);
        c.elect(1);
        c.node(1).readIndex(ctx(1));
        c.stabilize();
        assertEquals(1, c.readStates.get(1L).size());
        assertEquals(0, c.count(MessageType.HEARTBEAT));
    }
}
