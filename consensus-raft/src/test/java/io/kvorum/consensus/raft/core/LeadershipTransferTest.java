package io.kvorum.consensus.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LeadershipTransferTest {

    @Test
    void leadershipMovesToAnUpToDateVoterInTheNextTerm() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        long term = c.term(1);
        c.node(1).transferLeader(2);
        c.stabilize();
        assertEquals(StateRole.LEADER, c.role(2));
        assertEquals(term + 1, c.term(2));
        assertEquals(StateRole.FOLLOWER, c.role(1));
        assertEquals(1, c.count(MessageType.TIMEOUT_NOW));
    }

    @Test
    void aTransferRequestedOnAFollowerIsForwardedToTheLeader() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.node(3).transferLeader(3);
        c.stabilize();
        assertEquals(StateRole.LEADER, c.role(3));
    }

    @Test
    void theLeaderFirstBringsALaggingTransfereeUpToDate() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.isolate(3);
        c.node(1).propose("a".getBytes());
        c.stabilize();
        c.heal();
        c.node(1).transferLeader(3);
        c.stabilize();
        assertEquals(StateRole.LEADER, c.role(3));
        assertEquals(List.of("a"), c.appliedData(3));
    }

    @Test
    void proposalsAreRefusedWhileATransferIsUnderWay() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.isolate(2); // the transfer cannot finish
        c.node(1).transferLeader(2);
        c.stabilize();
        assertThrows(RequestDroppedException.class, () -> c.node(1).propose("x".getBytes()));
        c.tick(1, 10); // an election timeout later the leader gives up the transfer
        c.node(1).propose("x".getBytes());
        c.stabilize();
        assertEquals(List.of("x"), c.appliedData(1));
    }

    @Test
    void aLearnerCannotBecomeLeader() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.add(4, true, true, 256);
        c.node(1).proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER_NODE, 4));
        c.stabilize();
        c.tickAll(2);
        c.node(1).transferLeader(4);
        c.stabilize();
        assertEquals(StateRole.LEADER, c.role(1));
        assertEquals(0, c.status(1).leadTransferee());
    }
}
