package io.kvorum.consensus.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipTest {

    private static TestCluster withLearner() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.add(4, true, true, 256);
        c.node(1).proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER_NODE, 4));
        c.stabilize();
        c.tickAll(2);
        return c;
    }

    @Test
    void aNewLearnerReceivesTheWholeLogIncludingTheConfiguration() {
        TestCluster c = withLearner();
        c.node(1).propose("x".getBytes());
        c.stabilize();
        assertEquals(new ConfState(List.of(1L, 2L, 3L), List.of(4L)), c.node(4).confState());
        assertEquals(List.of("x"), c.appliedData(4));
        assertTrue(c.status(4).learner());
    }

    @Test
    void aLearnerNeverCampaigns() {
        TestCluster c = withLearner();
        c.isolate(4);
        c.sent.clear();
        c.tick(4, 100);
        assertEquals(StateRole.FOLLOWER, c.role(4));
        assertFalse(c.sent.stream().anyMatch(m -> m.from() == 4), "it asked nobody for votes");
    }

    @Test
    void aLearnersAcknowledgementsAndVotesDoNotCount() {
        TestCluster c = withLearner();
        // With 2 and 3 gone, leader 1 and learner 4 are two of four members but one of three voters.
        c.dropIf(m -> m.from() == 2 || m.to() == 2 || m.from() == 3 || m.to() == 3);
        long commit = c.status(1).hardState().commit();
        c.node(1).propose("y".getBytes());
        c.stabilize();
        assertEquals(commit, c.status(1).hardState().commit(), "the learner's ack made no quorum");
        c.tickAll(40);
        assertTrue(c.role(1) != StateRole.LEADER, "no quorum: the leader stepped down and could not win again");
    }

    @Test
    void aPromotedLearnerVotesAndCounts() {
        TestCluster c = withLearner();
        c.node(1).proposeConfChange(new ConfChange(ConfChangeType.ADD_NODE, 4));
        c.stabilize();
        assertEquals(new ConfState(List.of(1L, 2L, 3L, 4L), List.of()), c.node(1).confState());
        assertFalse(c.status(4).learner());
        // Now 1 and 4 are two of four voters: still no quorum without 2 or 3; with 2 there is.
        c.dropIf(m -> m.from() == 3 || m.to() == 3);
        c.node(1).propose("z".getBytes());
        c.stabilize();
        assertEquals(List.of("z"), c.appliedData(4));
    }

    @Test
    void onlyOneConfigurationChangeIsPendingAtATime() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.add(4, true, true, 256);
        c.add(5, true, true, 256);
        c.node(1).proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER_NODE, 4));
        c.node(1).proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER_NODE, 5));
        c.stabilize();
        assertEquals(List.of(4L), c.node(1).confState().learners(), "the second change became an empty entry");
        c.node(1).proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER_NODE, 5));
        c.stabilize();
        assertEquals(List.of(4L, 5L), c.node(1).confState().learners(), "once the first applied, the next goes");
    }

    @Test
    void aRemovedLeaderStepsDownAndTheRestElectANewOne() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.node(1).proposeConfChange(new ConfChange(ConfChangeType.REMOVE_NODE, 1));
        c.stabilize();
        assertEquals(StateRole.FOLLOWER, c.role(1));
        assertEquals(List.of(2L, 3L), c.node(2).confState().voters());
        c.tickAll(30);
        assertTrue(c.role(2) == StateRole.LEADER || c.role(3) == StateRole.LEADER);
        assertEquals(StateRole.FOLLOWER, c.role(1), "a removed member never campaigns");
    }

    @Test
    void removingAnUnresponsiveVoterLetsTheRestCommit() {
        TestCluster c = TestCluster.ofVoters(3);
        c.elect(1);
        c.node(1).proposeConfChange(new ConfChange(ConfChangeType.REMOVE_NODE, 3));
        c.stabilize();
        c.isolate(3);
        c.isolate(2);
        // Two voters left, 1 alone is no quorum; with 2 back it is.
        c.node(1).propose("a".getBytes());
        c.stabilize();
        assertEquals(List.of(), c.appliedData(1));
        c.dropIf(m -> m.from() == 3 || m.to() == 3);
        c.tickAll(2);
        assertEquals(List.of("a"), c.appliedData(1));
    }
}
